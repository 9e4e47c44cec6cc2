import Crypto
import Foundation
import Support

/// Content-addressed stage outputs: `artifacts/<name>/cache/<stage>-<key>/`.
///
/// A stage's key is the SHA-256 of everything it reads (its config sections, the keys of the
/// stages it depends on, the tool version). A stage whose folder exists with a `.complete` marker
/// is skipped; otherwise it is built in a temporary sibling folder and renamed into place, so an
/// interrupted run never leaves a half-written stage and resumes at the first incomplete one.
public struct StageCache: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    /// Bumped when a stage's output format or semantics change, so old caches are not reused.
    public static let formatVersion = "hls4swift-cache-1"

    public static func key(_ parts: [String]) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(formatVersion.utf8))
        for part in parts {
            hasher.update(data: Data("\u{1F}\(part.utf8.count):".utf8))
            hasher.update(data: Data(part.utf8))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of a file's bytes, streamed (data files can be large).
    public static func fileDigest(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw UserError("cannot read file", at: path)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    public func directory(stage: String, key: String) -> URL {
        root.appendingPathComponent("\(stage)-\(key.prefix(16))")
    }

    public func isComplete(stage: String, key: String) -> Bool {
        FileManager.default.fileExists(atPath: directory(stage: stage, key: key).appendingPathComponent(".complete").path)
    }

    /// Returns the stage folder, building it with `build` (into a temporary folder) when missing.
    /// `cached` tells whether the stage was reused.
    @discardableResult
    public func materialize(stage: String, key: String, build: (URL) throws -> Void) throws -> (url: URL, cached: Bool) {
        let final = directory(stage: stage, key: key)
        if isComplete(stage: stage, key: key) { return (final, true) }
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: root, withIntermediateDirectories: true)
        let staging = root.appendingPathComponent(".\(stage)-\(key.prefix(16)).partial-\(getpid())-\(UUID().uuidString.prefix(8))")
        try? fileManager.removeItem(at: staging)
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            try build(staging)
            try Data(key.utf8).write(to: staging.appendingPathComponent(".complete"))
            try? fileManager.removeItem(at: final)
            try fileManager.moveItem(at: staging, to: final)
        } catch {
            try? fileManager.removeItem(at: staging)
            throw error
        }
        return (final, false)
    }
}
