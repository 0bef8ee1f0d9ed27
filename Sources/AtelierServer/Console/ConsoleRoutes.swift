import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The web console: `GET /` is its page, `GET /console/{file}` its styles and scripts. Not part
/// of the JSON API (no envelope on success), but in the OpenAPI document like `/health`, so the
/// document still lists every route the router has.
struct ConsoleRoutes {
    let assets: ConsoleAssets
    /// `ATELIER_CONSOLE_DIR`, to say in the log why the files were not found.
    let configured: String?

    /// Scripts and styles only from this origin and never inline; images also from marketplaces
    /// (listing photos not stored here) and from blob: previews of a photo being uploaded.
    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob: https: http:",
        "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    func add(to router: Router<AtelierContext>, logger: Logger) {
        if let directory = assets.directory {
            logger.debug("web console served from \(directory.path)")
        } else {
            let why = configured.map { "no index.html in ATELIER_CONSOLE_DIR \($0)" }
                ?? "no Atelier_AtelierServer resource bundle beside the executable, and ATELIER_CONSOLE_DIR is not set"
            logger.warning("web console files not found (\(why)); / answers 503")
        }
        router.get("/") { request, _ in try serve("index.html", request) }
        router.get("console/{file}") { request, context in try serve(try context.parameters.require("file"), request) }
    }

    private func serve(_ name: String, _ request: Request) throws -> Response {
        guard assets.directory != nil else {
            throw AtelierError(status: 503, code: "CONSOLE_UNAVAILABLE",
                               message: "The web console's files are not installed beside this server; set ATELIER_CONSOLE_DIR to their folder.")
        }
        guard let file = assets.file(named: name) else {
            throw AtelierError(status: 404, code: "NOT_FOUND", message: "There is no console file named \(name).")
        }
        // File names carry no content hash (there is no build step), so browsers revalidate
        // every time; the ETag makes that a 304 without a body.
        var headers: HTTPFields = [
            .eTag: file.etag, .cacheControl: "no-cache", .contentSecurityPolicy: Self.contentSecurityPolicy,
            .xContentTypeOptions: "nosniff", .init("Referrer-Policy")!: "no-referrer",
        ]
        if ETagMatch.matches(request.headers[.ifNoneMatch], file.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = file.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(bytes: file.data)))
    }
}
