import AtelierCore
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

extension HTTPServerBuilder {
    /// HTTP/1.1 with WebSocket upgrades, each connection's first request guarded.
    ///
    /// With WebSocket upgrades, NIO's upgrade handler reads a connection's first request before
    /// Hummingbird's own handling is in the pipeline (which answers a request it cannot parse with
    /// 400 and closes on shutdown). Until then nothing did: a malformed request line was never
    /// answered, a connection that never sent a byte stayed open for good, and graceful shutdown
    /// waited for it forever.
    static func guardedWebSocketUpgrade(
        shouldUpgrade: @escaping @Sendable (HTTPRequest, any Channel, Logger) async throws
            -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    ) -> HTTPServerBuilder {
        .init { responder in
            GuardedUpgradeChannel(inner: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: .init(), shouldUpgrade: shouldUpgrade))
        }
    }
}

/// Hummingbird's WebSocket-upgrading channel with a `FirstRequestGuard` right after the decoder.
struct GuardedUpgradeChannel: ServerChildChannel {
    let inner: HTTP1WebSocketUpgradeChannel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1WebSocketUpgradeChannel.Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(FirstRequestGuard(), position: .after(decoder))
            return value
        }
    }

    func handle(value: HTTP1WebSocketUpgradeChannel.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Watches a connection until its first request head is read, then leaves the pipeline. Before
/// that: a request it cannot parse gets 400, no head within 30 s gets 408, and a shutdown closes
/// the connection.
final class FirstRequestGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let headTimeout = TimeAmount.seconds(30)
    private var deadline: Scheduled<Void>?
    private var done = false

    func handlerAdded(context: ChannelHandlerContext) {
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: Self.headTimeout) { [self] in
            refuse(context, .timedOut)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let isHead = if !done, case .head = unwrapInboundIn(data) { true } else { false }
        context.fireChannelRead(data)
        if isHead {
            done = true
            deadline?.cancel()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !done, error is HTTPParserError else { return context.fireErrorCaught(error) }
        refuse(context, .unparsable)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard !done, event is ChannelShouldQuiesceEvent else { return context.fireUserInboundEventTriggered(event) }
        refuse(context, nil)
    }

    /// What the client is told, in the API's error envelope.
    enum Refusal {
        case unparsable, timedOut

        var error: AtelierError {
            switch self {
            case .unparsable: .badRequest("Could not read this as an HTTP/1.1 request (a target must be percent-encoded ASCII without spaces).")
            case .timedOut: AtelierError(status: 408, code: "REQUEST_TIMEOUT", message: "No complete request head arrived within \(FirstRequestGuard.headTimeout.nanoseconds / 1_000_000_000) seconds.")
            }
        }
    }

    /// Answers (nil: closes without a word, for a shutdown) and closes the connection.
    private func refuse(_ context: ChannelHandlerContext, _ refusal: Refusal?) {
        guard !done else { return }
        done = true
        deadline?.cancel()
        if let error = refusal?.error {
            let body = context.channel.allocator.buffer(bytes: ErrorMiddleware.body(for: error, requestID: RequestLogMiddleware.requestID(from: nil)))
            let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: error.status), headers: [
                "Content-Type": "application/json; charset=utf-8", "Content-Length": String(body.readableBytes), "Connection": "close",
            ])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        // As if the client had closed: the upgrade handler then closes the connection and ends
        // its wait quietly (a bare close would have Hummingbird log an error for each).
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        context.close(promise: nil)
    }
}
