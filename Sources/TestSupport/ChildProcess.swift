// A program started by a test, with posix_spawn, in place of Foundation's `Process`.
//
// swift-corelibs-foundation's `Process.run()` on Linux lists /proc/self/fd before it forks, copying
// 256 bytes of every entry's name; when an entry sits at the end of a mapped page the copy reads
// past it and the whole test process dies ("Bad pointer dereference" in `Process.run()`), about one
// run in ten for suites that start many programs (fixed upstream in swift-corelibs-foundation
// PR #5472, not in Swift 6.3). glibc's posix_spawn closes the child's other descriptors with
// close_range instead, and a stopped child is reaped by a thread of its own, so nothing here
// depends on Foundation's process machinery. The names follow `Process` so tests read the same.
public import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class ChildProcess: @unchecked Sendable {
    public enum TerminationReason: Sendable { case exit, uncaughtSignal }

    public var executableURL: URL?
    public var arguments: [String]?
    /// The child's whole environment; nil inherits this process's.
    public var environment: [String: String]?
    public var currentDirectoryURL: URL?
    /// A `FileHandle` (`FileHandle.nullDevice` included), a `Pipe`, or nil to inherit ours.
    public var standardInput: Any?
    public var standardOutput: Any?
    public var standardError: Any?

    private let condition = NSCondition()
    private var pid: pid_t = 0
    private var started = false
    private var exited = false
    private var rawStatus: Int32 = 0

    public init() {}

    public var processIdentifier: Int32 { condition.lock(); defer { condition.unlock() }; return pid }

    public var isRunning: Bool { condition.lock(); defer { condition.unlock() }; return started && !exited }

    /// The exit code, or the number of the signal that ended it (0 while it runs).
    public var terminationStatus: Int32 {
        condition.lock(); defer { condition.unlock() }
        let signal = rawStatus & 0x7f
        return signal == 0 ? (rawStatus >> 8) & 0xff : signal
    }

    public var terminationReason: TerminationReason {
        condition.lock(); defer { condition.unlock() }
        return rawStatus & 0x7f == 0 ? .exit : .uncaughtSignal
    }

    public func waitUntilExit() {
        condition.lock()
        while started && !exited { condition.wait() }
        condition.unlock()
    }

    /// Sends SIGTERM (when it is still running).
    public func terminate() {
        condition.lock(); defer { condition.unlock() }
        if started && !exited { kill(pid, SIGTERM) }
    }

    public func run() throws {
        guard let path = executableURL?.path else { throw TestSupportError("ChildProcess.run: no executable") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var closeAfterSpawn: [FileHandle] = []
        for (target, stream) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            switch stream {
            case nil:
                break
            case let handle as FileHandle where handle === FileHandle.nullDevice:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case let handle as FileHandle:
                posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target)
            case let pipe as Pipe:
                let childEnd = target == 0 ? pipe.fileHandleForReading : pipe.fileHandleForWriting
                posix_spawn_file_actions_adddup2(&actions, childEnd.fileDescriptor, target)
                closeAfterSpawn.append(childEnd)
            default:
                throw TestSupportError("ChildProcess.run: standard streams are FileHandles or Pipes")
            }
        }
        // Nothing else of ours leaks into the child (another test's pipe held open by it would
        // keep that test's reader waiting for an end of file).
        _ = Self.addCloseFrom(&actions, 3)
        if let directory = currentDirectoryURL?.path { _ = Self.addChdir(&actions, directory) }

        let argv = ([path] + (arguments ?? [])).map { strdup($0) } + [nil]
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + env { free(p) } }
        // The calling thread may be one of Dispatch's, which block most signals, and blocked or
        // ignored signals pass to the child: without this a test's SIGTERM would not end it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let error = posix_spawn(&child, path, &actions, &attributes, argv, env)
        for handle in closeAfterSpawn { try? handle.close() }
        guard error == 0 else {
            throw TestSupportError("could not start \(path): \(String(cString: strerror(error)))")
        }
        let spawned = child
        condition.lock()
        pid = spawned
        started = true
        condition.unlock()
        let reaper = Thread { [self] in
            var status: Int32 = 0
            while waitpid(spawned, &status, 0) == -1 && errno == EINTR {}
            condition.lock()
            rawStatus = status
            exited = true
            condition.broadcast()
            condition.unlock()
        }
        reaper.stackSize = 64 * 1024
        reaper.start()
    }

    // glibc has both since 2.34 and 2.29, but declares them only under _GNU_SOURCE, which the
    // Swift overlay does not set: found once, by name.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addCloseFrom: AddCloseFrom = unsafeBitCast(symbol("posix_spawn_file_actions_addclosefrom_np"), to: AddCloseFrom.self)
    private static let addChdir: AddChdir = unsafeBitCast(symbol("posix_spawn_file_actions_addchdir_np"), to: AddChdir.self)
    private static func symbol(_ name: String) -> UnsafeMutableRawPointer {
        guard let found = dlsym(dlopen(nil, RTLD_NOW), name) else { fatalError("glibc without \(name) (2.34 or newer is needed)") }
        return found
    }
}
