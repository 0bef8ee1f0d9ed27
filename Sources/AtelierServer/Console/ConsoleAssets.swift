import Crypto
import Foundation

/// The web console's static files: plain HTML, CSS and ES modules, shipped as a SwiftPM resource
/// bundle beside the executable. Found by hand rather than through `Bundle.module`, which on
/// Linux stops the process when the bundle is missing; a server without its console still serves
/// the API and answers `/` with an error that says why.
struct ConsoleAssets: Sendable {
    /// The folder holding index.html and the rest; nil when not found.
    let directory: URL?

    struct File: Sendable {
        let data: Data
        let contentType: String
        let etag: String
    }

    /// `ATELIER_CONSOLE_DIR` when set (and only it), else the resource bundle next to the
    /// executable (SwiftPM names it `<package>_<target>`; `.resources` on Linux, `.bundle` on
    /// Apple platforms).
    static func locate(configured: String?) -> ConsoleAssets {
        if let configured {
            return ConsoleAssets(directory: hasIndex(URL(fileURLWithPath: configured)) ? URL(fileURLWithPath: configured) : nil)
        }
        var roots: [URL] = []
        if let executable = Bundle.main.executableURL {
            roots.append(executable.resolvingSymlinksInPath().deletingLastPathComponent())
            roots.append(executable.deletingLastPathComponent())
        }
        roots.append(Bundle.main.bundleURL)
        if let resources = Bundle.main.resourceURL { roots.append(resources) }
        // Loaded bundles' folders: where the resources sit when a test bundle is run by a helper (macOS).
        roots += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        for root in roots {
            for bundle in ["Atelier_AtelierServer.resources", "Atelier_AtelierServer.bundle", "Atelier_AtelierServer.bundle/Contents/Resources"] {
                let candidate = root.appendingPathComponent(bundle).appendingPathComponent("Assets")
                if hasIndex(candidate) { return ConsoleAssets(directory: candidate) }
            }
        }
        return ConsoleAssets(directory: nil)
    }

    private static func hasIndex(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("index.html").path)
    }

    /// Types of the files the console is made of; any other name is not served.
    static let contentTypes = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon", "json": "application/json",
    ]

    /// One file by its plain name (one path segment: letters, digits, `.`, `_`, `-`, not starting
    /// with a dot), so no name can reach outside the folder; nil when there is no such file.
    func file(named name: String) -> File? {
        guard let directory,
              let first = name.first, first.isLetter || first.isNumber,
              name.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "." || $0 == "_" || $0 == "-" }),
              !name.contains(".."),
              let type = Self.contentTypes[(name as NSString).pathExtension.lowercased()]
        else { return nil }
        let url = directory.appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = try? Data(contentsOf: url)
        else { return nil }
        let digest = SHA256.hash(data: data).prefix(16).map { String(format: "%02x", $0) }.joined()
        return File(data: data, contentType: type, etag: "\"\(digest)\"")
    }
}
