import Foundation

/// Writes files so that a reader never sees half a file: write to a temporary sibling, then rename.
///
/// rename(2) within one directory is atomic on POSIX file systems, so an interrupted run leaves
/// either the old artifact or the new one, never a truncated mix.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                let code = errno
                throw UserError("cannot move \(temporary.path) into place (\(String(cString: strerror(code))))", at: url.path)
            }
        } catch let error as UserError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw UserError("cannot write file (\(error.localizedDescription))", at: url.path)
        }
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    public static func write(_ text: String, toPath path: String) throws {
        try write(Data(text.utf8), to: URL(fileURLWithPath: path))
    }
}
