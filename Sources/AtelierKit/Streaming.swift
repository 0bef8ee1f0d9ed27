import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Delegate-driven tasks: uploads that report progress, and responses read as they arrive (SSE).
enum Streaming {
    enum Event: Sendable {
        case sent(Int64, Int64)
        case response(RawResponse)
        case chunk(Data)
    }

    /// Runs `request` on a session of its own whose delegate feeds the returned stream.
    /// Ending the stream's consumer cancels the task.
    static func events(_ request: URLRequest, body: Data?, configuration: URLSessionConfiguration)
        -> AsyncThrowingStream<Event, any Error> {
        AsyncThrowingStream { continuation in
            let delegate = Delegate(continuation)
            let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
            let task = body.map { session.uploadTask(with: request, from: $0) } ?? session.dataTask(with: request)
            let box = UncheckedBox((session, task))
            continuation.onTermination = { _ in
                box.value.1.cancel()
                box.value.0.invalidateAndCancel()
            }
            task.resume()
        }
    }

    /// Uploads the request's body, calling `progress` with the fraction sent, and collects the answer.
    static func upload(_ request: URLRequest, configuration: URLSessionConfiguration,
                       progress: @Sendable (Double) -> Void) async throws -> RawResponse {
        var bare = request
        let body = bare.httpBody ?? Data()
        bare.httpBody = nil
        var head: RawResponse?
        var collected = Data()
        do {
            for try await event in events(bare, body: body, configuration: configuration) {
                switch event {
                case .sent(let sent, let total): if total > 0 { progress(Double(sent) / Double(total)) }
                case .response(let response): head = response
                case .chunk(let data): collected.append(data)
                }
            }
        } catch let error as URLError {
            throw AtelierError.transport(underlying: error.localizedDescription, urlErrorCode: error.code.rawValue)
        }
        guard var response = head else { throw AtelierError.transport(underlying: "no response", urlErrorCode: nil) }
        progress(1)
        response.body = collected
        return response
    }

    private final class Delegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        let continuation: AsyncThrowingStream<Event, any Error>.Continuation
        init(_ continuation: AsyncThrowingStream<Event, any Error>.Continuation) { self.continuation = continuation }

        func urlSession(_ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64,
                        totalBytesSent: Int64, totalBytesExpectedToSend: Int64) {
            continuation.yield(.sent(totalBytesSent, totalBytesExpectedToSend))
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            continuation.yield(.response(RawResponse(response, body: Data())))
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            continuation.yield(.chunk(data))
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
            if let error { continuation.finish(throwing: error) } else { continuation.finish() }
            session.finishTasksAndInvalidate()
        }
    }
}

/// Carries a non-Sendable value across a boundary we know is safe (used once, from one place).
final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
