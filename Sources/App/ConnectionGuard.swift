import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import Synchronization

/// The header and keep-alive timeouts of one connection, at the head of its pipeline, nearest
/// the socket, so it sees every byte whichever path answers: the raw tile path, the cached-tile
/// path after the decoder, or the router. (Hummingbird's own idle timeout lives behind the
/// fast paths and would take a connection answered there for an idle one.)
///
/// A connection is in one of three states:
/// - *reading a body*: a request's head has come in and its body has not ended: once the
///   pipeline asks for more, bytes must come within `bodyTimeout` (a client that announces 100
///   bytes and sends 10, or a chunk of 2^64 bytes, is answered 408 and closed). A handler that
///   holds off reading (backpressure) stops that clock.
/// - *busy*: every body read, an answer not ended. No timer: an answer may take long (a
///   download being produced).
/// - *awaiting a head*: bytes of a request have come, or the connection has just opened, and
///   the head is not complete: it must be within `headerTimeout` of that first byte (the
///   deadline is not moved by later bytes, so a client dribbling a byte at a time is closed).
/// - *idle*: every request answered, nothing new: closed `idleTimeout` after the last answer.
///
/// One timer per connection, moved lazily: a deadline further away than the timer is only
/// noted (the timer, when it fires, re-arms for it), so a busy keep-alive connection costs a
/// clock read per read, not a timer per request.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let headerTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private let slot: OpenConnections.Slot?
    private var context: ChannelHandlerContext?

    /// Requests whose head has come and whose answer has not ended.
    private var inFlight = 0
    /// Requests whose head has come and whose body has not ended.
    private var bodiesPending = 0
    /// Whether the answer now being written has begun (its head is written).
    private var answering = false
    /// Since when bytes have been awaited: the later of the last bytes read and the pipeline's
    /// last request for more. While the handler reading a body holds off (backpressure: it asks
    /// for no more bytes), no body deadline runs; the clock is the client's, not the handler's.
    private var lastRead: NIODeadline
    /// Whether the pipeline has asked for bytes and none have come since.
    private var readPending = false
    /// When the head now arriving must be complete; nil when no head is awaited.
    private var headDeadline: NIODeadline?
    /// When the connection fell idle (its last answer ended, or it opened).
    private var idleSince: NIODeadline
    private var timer: Scheduled<Void>?
    private var timerAt: NIODeadline?
    /// While in `channelRead`: notifications only record, the read re-arms once at its end.
    private var reading = false

    init(headerTimeout: TimeAmount, idleTimeout: TimeAmount, bodyTimeout: TimeAmount, slot: OpenConnections.Slot?) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
        self.slot = slot
        idleSince = .now()
        lastRead = idleSince
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

    func read(context: ChannelHandlerContext) {
        if !readPending {
            readPending = true
            if bodiesPending > 0 {
                lastRead = .now()
                if !reading { rearm() }
            }
        }
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        readPending = false
        if bodiesPending > 0 { lastRead = .now() }
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
        bodiesPending += 1
        lastRead = .now()
        headDeadline = nil
        slot?.idleSince.store(-1, ordering: .relaxed)
        if !reading { rearm() }
    }

    /// A request's body has been read to its end (at once, for a request without one).
    func bodyEnded() {
        bodiesPending = max(0, bodiesPending - 1)
        if !reading { rearm() }
    }

    /// An answer's head has been written.
    func answerStarted() { answering = true }

    /// An answer has been written to its end.
    func answerEnded() {
        answering = false
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
        if bodiesPending > 0 { return readPending ? lastRead + bodyTimeout : nil }
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
            guard bodiesPending > 0, !answering else { return context.close(promise: nil) }
            // A body that stopped coming: the client is told why before the connection closes.
            bodiesPending = 0
            let channel = context.channel
            context.writeAndFlush(NIOAny(EdgeAnswer.bytes(.bodyTimeout))).whenComplete { _ in channel.close(promise: nil) }
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
    /// Requests whose head has come and whose answer has not ended.
    private var answersPending = 0
    /// The decoder's limit on a request's head, named in the answer to a larger one.
    private let headerLimit: Int

    init(headerLimit: Int) { self.headerLimit = headerLimit }

    func handlerAdded(context: ChannelHandlerContext) {
        connectionGuard = try? context.pipeline.syncOperations.handler(type: ConnectionGuard.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: answersPending += 1; connectionGuard?.headReceived()
        case .end: connectionGuard?.bodyEnded()
        case .body: break
        }
        context.fireChannelRead(data)
    }

    /// A request whose head could not be read (too large, not HTTP/1.1): answered here with the
    /// one error shape and closed, instead of Hummingbird's empty 400. A parser error inside a
    /// body goes on to the body's reader (`LimitedBody`), which answers it.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, answersPending == 0 else { return context.fireErrorCaught(error) }
        let answer = EdgeAnswer(parserError, headerLimit: headerLimit)
        let body = answer.body
        closeAfterAnswer = false
        let channel = context.channel
        context.write(wrapOutboundOut(.head(answer.head(contentLength: body.readableBytes))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            if response.status.kind != .informational {
                connectionGuard?.answerStarted()
                if response.headerFields[.connection]?.lowercased().contains("close") == true { closeAfterAnswer = true }
            }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            answersPending = max(0, answersPending - 1)
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
            let answer = EdgeAnswer.serverFull(serverName: serverName).bytes
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
                ConnectionGuard(headerTimeout: .init(limits.headerTimeout), idleTimeout: .init(limits.idleTimeout),
                                bodyTimeout: .init(limits.bodyTimeout), slot: slot),
                position: .first)
        }.flatMap { http1.setup(channel: channel, logger: logger).map { Value.http($0) } }
    }

    func handle(value: Value, logger: Logger) async {
        if case .http(let v) = value { await http1.handle(value: v, logger: logger) }
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
