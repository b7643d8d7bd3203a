import NIOCore
import Synchronization

/// How many connections each client address holds open, shared by every connection of
/// one server: a connection past ``maximum`` from one address is closed as soon as it
/// opens, before a byte of it is read.
///
/// Slow clients are the other half of the defence: Hummingbird's idle timeout
/// (``APIServer/Configuration/idleTimeout``) closes a connection that has not sent a
/// whole request head, or a part of a body, within the timeout, and one left idle
/// between requests. Together they bound what a client that opens connections and
/// trickles bytes into them can hold: at most ``maximum`` connections, each for at most
/// the timeout.
final class ConnectionCount: Sendable {
    let maximum: Int
    private let open = Mutex<[String: Int]>([:])

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Counts a connection from `address` in; false (and nothing counted) when the address
    /// already holds ``maximum``.
    func admit(_ address: String) -> Bool {
        open.withLock { open in
            let count = open[address, default: 0]
            guard count < maximum else { return false }
            open[address] = count + 1
            return true
        }
    }

    func release(_ address: String) {
        open.withLock { open in
            let count = open[address, default: 0] - 1
            open[address] = count > 0 ? count : nil
        }
    }

    /// The handler for one connection's pipeline.
    func handler() -> ConnectionCap { ConnectionCap(count: self) }
}

/// Counts one connection in when it opens and out when it closes; closes it at once
/// when its address holds too many. It only watches: what is read passes through.
final class ConnectionCap: ChannelInboundHandler, RemovableChannelHandler {
    /// Whatever the pipeline carries here: the handler never reads it.
    typealias InboundIn = NIOAny

    private let count: ConnectionCount
    private var admitted: String?

    init(count: ConnectionCount) {
        self.count = count
    }

    func channelActive(context: ChannelHandlerContext) {
        let address = context.remoteAddress?.ipAddress ?? "unknown"
        if count.admit(address) {
            admitted = address
            context.fireChannelActive()
        } else {
            context.fireChannelActive()
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        releaseOnce()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        releaseOnce()
    }

    private func releaseOnce() {
        if let address = admitted {
            count.release(address)
            admitted = nil
        }
    }
}

@available(*, unavailable)
extension ConnectionCap: Sendable {}
