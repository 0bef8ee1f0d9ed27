import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends API requests: adds the bearer token, refreshes it once on 401, retries what is safe to
/// retry, and answers 304s from the ETag cache.
final class HTTPCore: Sendable {
    let baseURL: URL
    let session: URLSession
    let store: any TokenStore
    let cache = ETagCache()
    let retry: RetryPolicy
    let refresher: TokenRefresher
    /// Retries made, for any reason (a test hook).
    let retries = Counter()

    init(baseURL: URL, session: URLSession, store: any TokenStore, retry: RetryPolicy) {
        self.baseURL = baseURL
        self.session = session
        self.store = store
        self.retry = retry
        let refreshBase = baseURL
        self.refresher = TokenRefresher(store: store) { refreshToken in
            // The refresh itself is not retried through this core, so it cannot recurse.
            var request = APIRequest("POST", "/auth/refresh", authenticated: false)
            try request.json(["refresh_token": refreshToken])
            let response = try await HTTPCore.perform(request.urlRequest(base: refreshBase, token: nil),
                                                      session: session)
            guard response.status < 400 else {
                throw AtelierError.from(status: response.status, body: response.body, headers: response.headers)
            }
            let issued = try Coding.data(Session.self, from: response.body)
            return Tokens(accessToken: issued.accessToken, refreshToken: issued.refreshToken)
        }
    }

    /// Sends `request` and returns the answer; throws `AtelierError` for any status ≥ 400.
    /// `progress` (0…1) switches to a delegate-driven upload that reports bytes sent.
    func send(_ request: APIRequest, progress: (@Sendable (Double) -> Void)? = nil) async throws -> RawResponse {
        var attempt = 1
        var refreshes = 0
        let cacheKey = request.url(base: baseURL).absoluteString
        while true {
            var token: String?
            if request.authenticated {
                guard let tokens = await store.load() else { throw AtelierError.notSignedIn }
                token = tokens.accessToken
            }
            var urlRequest = request.urlRequest(base: baseURL, token: token)
            let cached = request.cacheable ? await cache.entry(for: cacheKey) : nil
            if let cached { urlRequest.setValue(cached.etag, forHTTPHeaderField: "If-None-Match") }

            let response: RawResponse
            do {
                if let progress {
                    response = try await Streaming.upload(urlRequest, configuration: session.configuration,
                                                          progress: progress)
                } else {
                    response = try await Self.perform(urlRequest, session: session)
                }
            } catch let error as AtelierError {
                guard case .transport = error, request.isIdempotent, attempt < retry.maxAttempts else { throw error }
                try await Task.sleep(for: .seconds(retry.delay(attempt: attempt, retryAfter: nil)))
                await retries.increment()
                attempt += 1
                continue
            }

            if response.status == 304, let cached {
                await cache.recordHit()
                return RawResponse(status: 200, body: cached.body, headers: response.headers)
            }
            // A second refresh covers a fresh token that expired before its retry got through.
            if response.status == 401, let token, refreshes < 2 {
                _ = try await refresher.refresh(after: token)
                refreshes += 1
                continue
            }
            if RetryPolicy.isRetryable(status: response.status), request.isIdempotent, attempt < retry.maxAttempts {
                let retryAfter = response.headers["retry-after"].flatMap(Double.init)
                try await Task.sleep(for: .seconds(retry.delay(attempt: attempt, retryAfter: retryAfter)))
                await retries.increment()
                attempt += 1
                continue
            }
            guard response.status < 400 else {
                throw AtelierError.from(status: response.status, body: response.body, headers: response.headers)
            }
            if request.cacheable, response.status == 200, let etag = response.headers["etag"] {
                await cache.store(response.body, etag: etag, for: cacheKey)
            }
            return response
        }
    }

    /// Sends and decodes the envelope's `data`.
    func data<T: Decodable>(_ request: APIRequest, as type: T.Type = T.self) async throws -> T {
        try Coding.data(T.self, from: try await send(request).body)
    }

    /// Sends and decodes a list page.
    func page<T: Decodable & Sendable>(_ request: APIRequest, of type: T.Type = T.self) async throws -> Page<T> {
        try Coding.page(T.self, from: try await send(request).body)
    }

    /// One round trip, with URL errors turned into `AtelierError.transport`.
    static func perform(_ request: URLRequest, session: URLSession) async throws -> RawResponse {
        do {
            let (body, response) = try await session.data(for: request)
            return RawResponse(response, body: body)
        } catch let error as URLError where error.code == .cancelled {
            throw CancellationError()
        } catch let error as URLError {
            throw AtelierError.transport(underlying: error.localizedDescription, urlErrorCode: error.code.rawValue)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw AtelierError.transport(underlying: "\(error)", urlErrorCode: nil)
        }
    }
}
