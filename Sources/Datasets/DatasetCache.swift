import Foundation
import Support

/// A binary cache of converted datasets, so a second run does not parse ARFF/CSV (or read HDF5) again.
///
/// One file per (source path, load options). It records the source's size, modification time and SHA-256,
/// and the SHA-256 of its own payload. A hit needs the same size and either the same mtime or, if the mtime
/// changed, the same source SHA-256. A cache file that is unreadable, truncated or fails its checksum is ignored
/// and rebuilt silently.
public struct DatasetCache: Sendable {
    public var directory: URL

    public init(directory: URL) { self.directory = directory }

    /// `$HLS4SWIFT_CACHE/datasets`, default `~/.cache/hls4swift/datasets`.
    public static var defaultCache: DatasetCache {
        let environment = ProcessInfo.processInfo.environment
        if let custom = environment["HLS4SWIFT_CACHE"], !custom.isEmpty {
            return DatasetCache(directory: URL(fileURLWithPath: custom).appendingPathComponent("datasets"))
        }
        let home = environment["HOME"] ?? NSTemporaryDirectory()
        return DatasetCache(directory: URL(fileURLWithPath: home).appendingPathComponent(".cache/hls4swift/datasets"))
    }

    static let magic = Array("HLS4SWIFT-DATASET-CACHE-1\n".utf8)

    struct Header: Codable, Equatable {
        var source: String
        var sourceSize: Int64
        var sourceModified: Double
        var sourceSHA256: String
        var options: String
        var featureNames: [String]
        var classNames: [String]
        var rows: Int
        var dropped: Int
        var droppedExamples: [String]
        var predefinedTrainCount: Int?
        var payloadSHA256: String
    }

    /// A stable description of everything that changes the loaded result besides the file content.
    static func optionsKey(_ options: DatasetLoadOptions, format: DatasetFormat) -> String {
        [format.rawValue, options.featureNames.joined(separator: ","), options.classColumn,
         options.classNames.joined(separator: ","), options.dropBadRows ? "drop" : "refuse",
         options.hdf5Dataset, options.hdf5FieldPrefix].joined(separator: "|")
    }

    func entryURL(source: String, optionsKey: String) -> URL {
        let absolute = URL(fileURLWithPath: source).standardizedFileURL.path
        let key = SHA256.hex(Array((absolute + "\u{0}" + optionsKey).utf8)).prefix(32)
        return directory.appendingPathComponent("\(key).h4sds")
    }

    static func fileStamp(_ path: String) throws -> (size: Int64, modified: Double) {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return (size, modified)
    }

    /// The cached dataset for `source`, or nil (miss, stale or corrupt).
    func lookup(source: String, format: DatasetFormat, options: DatasetLoadOptions) -> LoadedDataset? {
        let key = Self.optionsKey(options, format: format)
        guard let stamp = try? Self.fileStamp(source),
              let data = FileManager.default.contents(atPath: entryURL(source: source, optionsKey: key).path) else { return nil }
        return data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> LoadedDataset? in
            guard bytes.count > Self.magic.count + 8, Array(bytes[0..<Self.magic.count]) == Self.magic else { return nil }
            var at = Self.magic.count
            let headerLength = Int(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
            at += 8
            guard headerLength > 0, at + headerLength <= bytes.count,
                  let header = try? JSONDecoder().decode(Header.self, from: Data(bytes[at..<(at + headerLength)])) else { return nil }
            at += headerLength
            guard header.options == key, header.sourceSize == stamp.size, header.featureNames.count > 0 else { return nil }
            if header.sourceModified != stamp.modified {
                guard let current = try? SHA256.hexOfFile(source), current == header.sourceSHA256 else { return nil }
            }
            let featureBytes = header.rows * header.featureNames.count * 8
            let labelBytes = header.rows * 4
            guard bytes.count - at == featureBytes + labelBytes else { return nil }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[at..<bytes.count])
            guard SHA256.hex(payload) == header.payloadSHA256 else { return nil }
            var features = [Double](repeating: 0, count: header.rows * header.featureNames.count)
            var labels = [Int32](repeating: 0, count: header.rows)
            features.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: payload[0..<featureBytes])) }
            labels.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: payload[featureBytes...])) }
            guard labels.allSatisfy({ $0 >= 0 && Int($0) < header.classNames.count }) else { return nil }
            var report = BadRowReport()
            for example in header.droppedExamples {
                let parts = example.split(separator: ":", maxSplits: 1).map(String.init)
                report.add(parts[0], parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
            }
            report.setCount(header.dropped)
            let dataset = JetDataset(featureNames: header.featureNames, classNames: header.classNames, features: features, labels: labels)
            return LoadedDataset(dataset: dataset, droppedRows: report, predefinedTrainCount: header.predefinedTrainCount, fromCache: true)
        }
    }

    /// Stores a freshly loaded dataset (atomically; failures to write the cache are not errors).
    func store(_ loaded: LoadedDataset, source: String, format: DatasetFormat, options: DatasetLoadOptions) {
        guard let stamp = try? Self.fileStamp(source), let sourceHash = try? SHA256.hexOfFile(source) else { return }
        let d = loaded.dataset
        var payload = [UInt8]()
        payload.reserveCapacity(d.features.count * 8 + d.labels.count * 4)
        d.features.withUnsafeBytes { payload.append(contentsOf: $0) }  // little-endian hosts (x86-64, arm64)
        d.labels.withUnsafeBytes { payload.append(contentsOf: $0) }
        let header = Header(source: URL(fileURLWithPath: source).standardizedFileURL.path, sourceSize: stamp.size,
                            sourceModified: stamp.modified, sourceSHA256: sourceHash,
                            options: Self.optionsKey(options, format: format), featureNames: d.featureNames,
                            classNames: d.classNames, rows: d.rows, dropped: loaded.droppedRows.count,
                            droppedExamples: loaded.droppedRows.examples.map(\.description),
                            predefinedTrainCount: loaded.predefinedTrainCount, payloadSHA256: SHA256.hex(payload))
        guard let headerData = try? JSONEncoder().encode(header) else { return }
        var out = Data(Self.magic)
        withUnsafeBytes(of: UInt64(headerData.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(headerData)
        out.append(contentsOf: payload)
        try? AtomicFile.write(out, to: entryURL(source: source, optionsKey: header.options))
    }
}

extension BadRowReport {
    mutating func setCount(_ total: Int) { if total > count { count = total } }
}

extension DatasetLoader {
    /// Loads any supported dataset file — the entry point. ARFF, CSV and HDF5 sources go through a binary cache
    /// (`DatasetCache.defaultCache` unless another cache or nil is given), so a second run does not parse them again;
    /// NumPy files are read directly since they are already binary. Same errors as `loadUncached`.
    public static func load(path: String, format: DatasetFormat? = nil, options: DatasetLoadOptions = DatasetLoadOptions(),
                            cache: DatasetCache? = DatasetCache.defaultCache) throws -> LoadedDataset {
        let resolved = try format ?? DatasetFormat.infer(fromPath: path)
        guard let cache, [.arff, .csv, .hdf5].contains(resolved) else {
            return try loadUncached(path: path, format: resolved, options: options)
        }
        if let hit = cache.lookup(source: path, format: resolved, options: options) { return hit }
        let loaded = try loadUncached(path: path, format: resolved, options: options)
        cache.store(loaded, source: path, format: resolved, options: options)
        return loaded
    }
}

/// SHA-256 (FIPS 180-4), for cache keys and checksums (Foundation on Linux has no CryptoKit).
public enum SHA256 {
    static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// Incremental hasher.
    public struct Hasher {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var pending: [UInt8] = []
        var length: UInt64 = 0
        var w = [UInt32](repeating: 0, count: 64)

        public init() {}

        mutating func block(_ p: UnsafeRawBufferPointer, _ offset: Int) {
            for i in 0..<16 {
                let b = offset + i * 4
                w[i] = UInt32(p[b]) << 24 | UInt32(p[b + 1]) << 16 | UInt32(p[b + 2]) << 8 | UInt32(p[b + 3])
            }
            for i in 16..<64 {
                let s0 = (w[i - 15] >> 7 | w[i - 15] << 25) ^ (w[i - 15] >> 18 | w[i - 15] << 14) ^ (w[i - 15] >> 3)
                let s1 = (w[i - 2] >> 17 | w[i - 2] << 15) ^ (w[i - 2] >> 19 | w[i - 2] << 13) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
            for i in 0..<64 {
                let s1 = (e >> 6 | e << 26) ^ (e >> 11 | e << 21) ^ (e >> 25 | e << 7)
                let choice = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ choice &+ SHA256.k[i] &+ w[i]
                let s0 = (a >> 2 | a << 30) ^ (a >> 13 | a << 19) ^ (a >> 22 | a << 10)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ majority
                hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
            }
            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
        }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            length &+= UInt64(bytes.count)
            var offset = 0
            if !pending.isEmpty {
                let take = min(64 - pending.count, bytes.count)
                pending.append(contentsOf: bytes[0..<take])
                offset = take
                if pending.count == 64 {
                    let full = pending
                    full.withUnsafeBytes { block($0, 0) }
                    pending.removeAll(keepingCapacity: true)
                }
            }
            while bytes.count - offset >= 64 {
                block(bytes, offset)
                offset += 64
            }
            if offset < bytes.count { pending.append(contentsOf: bytes[offset...]) }
        }

        public mutating func finalize() -> [UInt8] {
            let bitLength = length &* 8
            var tail: [UInt8] = [0x80]
            while (pending.count + tail.count) % 64 != 56 { tail.append(0) }
            for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8((bitLength >> UInt64(shift)) & 0xFF)) }
            let savedLength = length
            tail.withUnsafeBytes { update($0) }
            length = savedLength
            return h.flatMap { v in [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        }
    }

    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        var hasher = Hasher()
        hasher.update(bytes)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    public static func hex(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { hex($0) } }

    /// Hash of a file's content, read in 4 MiB pieces.
    public static func hexOfFile(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw UserError("cannot read file", at: path) }
        defer { try? handle.close() }
        var hasher = Hasher()
        while true {
            let chunk = handle.readData(ofLength: 4 << 20)
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
