import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// The header and keep-alive timeouts of one connection, at the head of its pipeline, nearest
/// the socket, so it sees every byte whichever path answers: the raw tile path, the cached-tile
/// path after the decoder, or the router. (Hummingbird's own idle timeout lives behind the
/// fast paths and would take a connection answered there for an idle one.)
///
/// A connection is in one of three states:
/// - *busy*: a request's head has come in and its answer has not ended. No timer: an answer
///   may take long (a download being produced), and a body may be streaming in.
/// - *awaiting a head*: bytes of a request have come, or the connection has just opened, and
///   the head is not complete: it must be within `headerTimeout` of that first byte (the
///   deadline is not moved by later bytes, so a client dribbling a byte at a time is closed).
/// - *idle*: every request answered, nothing new: closed `idleTimeout` after the last answer.
///
/// One timer per connection, moved lazily: a deadline further away than the timer is only
/// noted (the timer, when it fires, re-arms for it), so a busy keep-alive connection costs a
/// clock read per read, not a timer per request.
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let headerTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let slot: OpenConnections.Slot?
    private var context: ChannelHandlerContext?

    /// Requests whose head has come and whose answer has not ended.
    private var inFlight = 0
    /// When the head now arriving must be complete; nil when no head is awaited.
    private var headDeadline: NIODeadline?
    /// When the connection fell idle (its last answer ended, or it opened).
    private var idleSince: NIODeadline
    private var timer: Scheduled<Void>?
    private var timerAt: NIODeadline?
    /// While in `channelRead`: notifications only record, the read re-arms once at its end.
    private var reading = false

    init(headerTimeout: TimeAmount, idleTimeout: TimeAmount, slot: OpenConnections.Slot?) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.slot = slot
        idleSince = .now()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // The first request's head is awaited from the start: a connection that never sends
        // anything is closed after the header timeout.
        headDeadline = .now() + headerTimeout
        rearm()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if inFlight == 0, headDeadline == nil { headDeadline = .now() + headerTimeout }
        reading = true
        context.fireChannelRead(data)
        reading = false
        rearm()
    }

    // MARK: told by the handlers that see requests and answers

    /// A request's head has been decoded (it will be answered by the router or the cached-tile path).
    func headReceived() {
        inFlight += 1
        headDeadline = nil
        slot?.idleSince.store(-1, ordering: .relaxed)
        if !reading { rearm() }
    }

    /// An answer has been written to its end.
    func answerEnded() {
        inFlight = max(0, inFlight - 1)
        if inFlight == 0 { becameIdle() }
        if !reading { rearm() }
    }

    /// The raw tile path answered a whole request from the bytes read (head and answer at once).
    func requestAnsweredWhole() {
        headDeadline = nil
        if inFlight == 0 { becameIdle() }
    }

    private func becameIdle() {
        idleSince = .now()
        slot?.idleSince.store(Int64(idleSince.uptimeNanoseconds), ordering: .relaxed)
    }

    // MARK: the timer

    private var deadline: NIODeadline? {
        if inFlight > 0 { return nil }
        return headDeadline ?? idleSince + idleTimeout
    }

    private func rearm() {
        guard let context, let deadline else { return }
        if let timerAt, timerAt <= deadline { return }   // fires first; it re-arms for the later deadline
        timer?.cancel()
        schedule(at: deadline, context)
    }

    private func schedule(at when: NIODeadline, _ context: ChannelHandlerContext) {
        timerAt = when
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: when) { loopBound.value.timerFired() }
    }

    private func timerFired() {
        timer = nil
        timerAt = nil
        guard let context, let deadline else { return }
        if deadline <= .now() {
            context.close(promise: nil)
        } else {
            schedule(at: deadline, context)
        }
    }
}

/// Sees each request's head and each answer's end after the HTTP decoder, for the
/// `ConnectionGuard`; and closes the connection after an answer that says `Connection: close`
/// (a request refused before its body was read: the rest of the body is not waited for).
final class RequestCycleObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var connectionGuard: ConnectionGuard?
    private var closeAfterAnswer = false

    func handlerAdded(context: ChannelHandlerContext) {
        connectionGuard = try? context.pipeline.syncOperations.handler(type: ConnectionGuard.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { connectionGuard?.headReceived() }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            if response.status.kind != .informational,
               response.headerFields[.connection]?.lowercased().contains("close") == true { closeAfterAnswer = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            connectionGuard?.answerEnded()
            guard closeAfterAnswer else { return context.write(data, promise: promise) }
            closeAfterAnswer = false
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.cascade(to: promise)
            let channel = context.channel
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
            context.write(data, promise: written)
        }
    }
}

/// Hummingbird's HTTP/1.1 channel with Bando's edge: each accepted connection is admitted
/// under the cap (`OpenConnections`) or refused with a 503, and gets a `ConnectionGuard` at the
/// head of its pipeline, then the raw tile path if tiles are cached, then Hummingbird's
/// HTTP/1.1 pipeline (whose extra handlers start with the `RequestCycleObserver`).
struct BandoHTTP1Channel: ServerChildChannel {
    enum Value: ServerChildChannelValue {
        case http(HTTP1Channel.Value)
        case refused(any Channel)
        var channel: any Channel {
            switch self {
            case .http(let v): v.channel
            case .refused(let c): c
            }
        }
    }

    let http1: HTTP1Channel
    let limits: ConnectionLimits
    let connections: OpenConnections
    let makeFastPath: (@Sendable () -> RawTileFastPath)?
    let serverName: String?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard let slot = connections.admit(channel) else {
            logger.warning("connection refused: \(connections.capacity) connections open, all busy")
            let answer = Self.serviceUnavailable(serverName: serverName)
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(RefusingHandler(answer: answer))
                return Value.refused(channel)
            }
        }
        let connections = self.connections
        channel.closeFuture.whenComplete { _ in connections.remove(slot) }
        let limits = self.limits
        return channel.eventLoop.makeCompletedFuture {
            if let makeFastPath { try channel.pipeline.syncOperations.addHandler(makeFastPath(), position: .first) }
            try channel.pipeline.syncOperations.addHandler(
                ConnectionGuard(headerTimeout: .init(limits.headerTimeout), idleTimeout: .init(limits.idleTimeout), slot: slot),
                position: .first)
        }.flatMap { http1.setup(channel: channel, logger: logger).map { Value.http($0) } }
    }

    func handle(value: Value, logger: Logger) async {
        if case .http(let v) = value { await http1.handle(value: v, logger: logger) }
    }

    /// The answer to a connection over the cap (the server is full), written before any request is read.
    static func serviceUnavailable(serverName: String?) -> ByteBuffer {
        let body = #"{"code":"ServiceUnavailable","description":"the server has too many open connections; try again shortly"}"#
        var head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        head += "Retry-After: 1\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n"
        if let serverName { head += "Server: \(serverName)\r\n" }
        return ByteBuffer(string: head + "\r\n" + body)
    }
}

/// The whole pipeline of a refused connection: a quick 503 as soon as the socket is active,
/// then close, so the client learns the server is full rather than waiting, and the descriptor
/// is given back at once.
final class RefusingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let answer: ByteBuffer
    private var answered = false

    init(answer: ByteBuffer) { self.answer = answer }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}   // the request is not read

    private func refuse(_ context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        let channel = context.channel
        context.writeAndFlush(NIOAny(answer)).whenComplete { _ in channel.close(promise: nil) }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
