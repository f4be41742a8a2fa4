import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes the TCP connection, without writing a byte, when a response carries ``marker``.
///
/// Route handlers do their work (a submit creates its task, an upload stores its file), then mark the response;
/// this handler, added after Hummingbird's HTTP/1 codec through `HTTP1Channel.Configuration(additionalChannelHandlers:)`,
/// sees the response head first on its way out, swallows it and everything after it, and closes the channel.
/// The client sees the connection end with no answer: it cannot tell whether the request took effect.
final class DropConnectionHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Internal header: never reaches the wire.
    static let marker = HTTPField.Name("x-apimart-simulator-drop")!

    private var dropping = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if dropping {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if case .head(let head) = unwrapOutboundIn(data), head.headerFields[Self.marker] != nil {
            dropping = true
            promise?.fail(ChannelError.ioOnClosedChannel)
            context.close(mode: .all, promise: nil)
            return
        }
        context.write(data, promise: promise)
    }
}
