import Foundation

/// Finds (or provisions once) the Xilinx arbitrary-precision headers (`ap_fixed.h`, `ap_int.h`, ...).
///
/// We never commit vendor headers. Lookup order:
/// 1. an explicit directory (a flag, or `HLS4SWIFT_AP_TYPES`), e.g. a Vivado/Vitis `include` folder;
/// 2. the cache `$HLS4SWIFT_CACHE/ap_types` (default `~/.cache/hls4swift/ap_types`);
/// 3. provisioning into that cache from the hls4ml wheel on PyPI
///    (`pip download --no-deps hls4ml==1.3.0`, folder `hls4ml/templates/vivado/ap_types`).
public enum APTypes {
    public static let wheelRequirement = "hls4ml==1.3.0"
    static let folderInWheel = "hls4ml/templates/vivado/ap_types/"

    public static var cacheDirectory: URL {
        if let custom = ProcessInfo.processInfo.environment["HLS4SWIFT_CACHE"], !custom.isEmpty {
            return URL(fileURLWithPath: custom).appendingPathComponent("ap_types")
        }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSTemporaryDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/hls4swift/ap_types")
    }

    static func hasHeaders(_ directory: String) -> Bool {
        FileManager.default.fileExists(atPath: directory + "/ap_fixed.h")
            && FileManager.default.fileExists(atPath: directory + "/ap_int.h")
    }

    /// The include directory holding `ap_fixed.h`; provisions it when `provision` is true and it is missing.
    public static func includeDirectory(explicit: String? = nil, provision: Bool = true) throws -> String {
        if let explicit = explicit ?? ProcessInfo.processInfo.environment["HLS4SWIFT_AP_TYPES"], !explicit.isEmpty {
            guard hasHeaders(explicit) else {
                throw UserError("no ap_fixed.h/ap_int.h in the ap_types directory", at: explicit,
                                expected: "a folder with the Xilinx ap_types headers (e.g. <Vitis>/include)")
            }
            return explicit
        }
        let cached = cacheDirectory.path
        if hasHeaders(cached) { return cached }
        guard provision else {
            throw UserError("the Xilinx ap_types headers are not provisioned", at: cached,
                            expected: "run with provisioning enabled or set HLS4SWIFT_AP_TYPES")
        }
        try provisionFromWheel(into: cacheDirectory)
        return cached
    }

    /// Downloads the hls4ml wheel with pip and extracts only its ap_types folder (atomically renamed into place).
    static func provisionFromWheel(into destination: URL) throws {
        let fileManager = FileManager.default
        let work = fileManager.temporaryDirectory.appendingPathComponent("hls4swift-aptypes-\(getpid())")
        try? fileManager.removeItem(at: work)
        try fileManager.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: work) }
        let script = """
        import glob, os, subprocess, sys, zipfile
        work, out = sys.argv[1], sys.argv[2]
        subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps', '-d', work, '\(wheelRequirement)'], check=True)
        wheel = glob.glob(os.path.join(work, 'hls4ml-*.whl'))[0]
        prefix = '\(folderInWheel)'
        with zipfile.ZipFile(wheel) as z:
            for name in z.namelist():
                if name.startswith(prefix) and not name.endswith('/'):
                    target = os.path.join(out, name[len(prefix):])
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with open(target, 'wb') as f:
                        f.write(z.read(name))
        """
        let staging = work.appendingPathComponent("ap_types")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, work.path, staging.path]
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw UserError("cannot run python3 to fetch the ap_types headers (\(error))", at: destination.path,
                            expected: "python3 with pip, or HLS4SWIFT_AP_TYPES pointing at the headers")
        }
        let errorText = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, hasHeaders(staging.path) else {
            let lastLine = errorText.split(separator: "\n").last.map(String.init) ?? "no output"
            throw UserError("provisioning the ap_types headers from \(wheelRequirement) failed (\(lastLine))",
                            at: destination.path, expected: "network access to PyPI, or HLS4SWIFT_AP_TYPES set")
        }
        try fileManager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? fileManager.removeItem(at: destination)
        try fileManager.moveItem(at: staging, to: destination)
    }
}
