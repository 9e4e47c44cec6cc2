import Foundation
import Support

/// The minimal ZIP support `.npz` files need: reading and writing STORED (uncompressed) members, with
/// zip64 fields (numpy writes every member with `force_zip64=True`). DEFLATE members
/// (`numpy.savez_compressed`) are inflated by `Inflate`.
public enum ZipArchive {
    public struct Member: Sendable, Equatable {
        public var name: String
        public var data: [UInt8]
        public init(name: String, data: [UInt8]) { self.name = name; self.data = data }
    }

    @inline(__always) static func u16(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
    @inline(__always) static func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int { u16(b, at) | u16(b, at + 2) << 16 }
    @inline(__always) static func u64(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int { u32(b, at) | u32(b, at + 4) << 32 }

    /// All members of an archive image, in central-directory order.
    public static func read(_ bytes: UnsafeRawBufferPointer, source: String) throws -> [Member] {
        func corrupt(_ what: String) -> UserError {
            UserError("not a valid .npz/zip archive (\(what))", at: source, expected: "a file written by numpy.savez")
        }
        guard bytes.count >= 22 else { throw corrupt("too short for a zip end record") }
        var eocd = -1
        var position = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65535)
        while position >= lowest {
            if u32(bytes, position) == 0x06054B50 { eocd = position; break }
            position -= 1
        }
        guard eocd >= 0 else { throw corrupt("no end-of-central-directory record; truncated?") }
        var entryCount = u16(bytes, eocd + 10)
        var directorySize = u32(bytes, eocd + 12)
        var directoryOffset = u32(bytes, eocd + 16)
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            let locator = eocd - 20
            guard locator >= 0, u32(bytes, locator) == 0x07064B50 else { throw corrupt("zip64 locator missing") }
            let record = u64(bytes, locator + 8)
            guard record >= 0, record + 56 <= bytes.count, u32(bytes, record) == 0x06064B50 else { throw corrupt("zip64 end record missing") }
            entryCount = u64(bytes, record + 32)
            directorySize = u64(bytes, record + 40)
            directoryOffset = u64(bytes, record + 48)
        }
        guard directoryOffset >= 0, directoryOffset + directorySize <= bytes.count else { throw corrupt("central directory outside the file; truncated?") }
        var members: [Member] = []
        var cursor = directoryOffset
        for _ in 0..<entryCount {
            guard cursor + 46 <= bytes.count, u32(bytes, cursor) == 0x02014B50 else { throw corrupt("bad central directory entry") }
            let flags = u16(bytes, cursor + 8)
            let method = u16(bytes, cursor + 10)
            let crc = UInt32(u32(bytes, cursor + 16))
            var compressedSize = u32(bytes, cursor + 20)
            var size = u32(bytes, cursor + 24)
            let nameLength = u16(bytes, cursor + 28)
            let extraLength = u16(bytes, cursor + 30)
            let commentLength = u16(bytes, cursor + 32)
            var localOffset = u32(bytes, cursor + 42)
            guard cursor + 46 + nameLength + extraLength <= bytes.count else { throw corrupt("truncated central directory") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(cursor + 46)..<(cursor + 46 + nameLength)]), as: UTF8.self)
            // zip64 extended information: only the fields whose 32-bit slot is 0xFFFFFFFF, in this order.
            var extra = cursor + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = u16(bytes, extra), length = u16(bytes, extra + 2)
                if id == 0x0001 {
                    var at = extra + 4
                    if size == 0xFFFF_FFFF { size = u64(bytes, at); at += 8 }
                    if compressedSize == 0xFFFF_FFFF { compressedSize = u64(bytes, at); at += 8 }
                    if localOffset == 0xFFFF_FFFF { localOffset = u64(bytes, at); at += 8 }
                }
                extra += 4 + length
            }
            cursor += 46 + nameLength + extraLength + commentLength
            if flags & 1 != 0 { throw UserError("zip member '\(name)' is encrypted", at: source) }
            guard localOffset >= 0, localOffset + 30 <= bytes.count, u32(bytes, localOffset) == 0x04034B50 else { throw corrupt("bad local header for '\(name)'") }
            let dataStart = localOffset + 30 + u16(bytes, localOffset + 26) + u16(bytes, localOffset + 28)
            guard compressedSize >= 0, dataStart + compressedSize <= bytes.count else { throw corrupt("member '\(name)' is truncated") }
            let raw = UnsafeRawBufferPointer(rebasing: bytes[dataStart..<(dataStart + compressedSize)])
            let data: [UInt8]
            switch method {
            case 0: data = Array(raw)
            case 8: data = try Inflate.decompress(raw, expectedSize: size, source: "\(source) (\(name))")
            default:
                throw UserError("zip member '\(name)' uses compression method \(method)", at: source,
                                expected: "STORED (numpy.savez) or DEFLATE (numpy.savez_compressed)")
            }
            guard data.count == size else { throw corrupt("member '\(name)' has \(data.count) bytes, directory says \(size)") }
            guard CRC32.checksum(data) == crc else { throw corrupt("CRC mismatch in member '\(name)'") }
            members.append(Member(name: name, data: data))
        }
        return members
    }

    /// A zip image with every member STORED; fixed timestamps so equal content gives equal bytes.
    public static func write(_ members: [Member]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(members.reduce(0) { $0 + $1.data.count + 100 })
        var directory: [UInt8] = []
        func put16(_ v: Int, _ buffer: inout [UInt8]) { buffer.append(UInt8(v & 0xFF)); buffer.append(UInt8((v >> 8) & 0xFF)) }
        func put32(_ v: Int, _ buffer: inout [UInt8]) { put16(v & 0xFFFF, &buffer); put16((v >> 16) & 0xFFFF, &buffer) }
        let dosTime = 0, dosDate = (0 << 9) | (1 << 5) | 1  // 1980-01-01 00:00
        for member in members {
            guard member.data.count < 0xFFFF_FFFF, out.count < 0xFFFF_FFFF else {
                throw UserError("archive member '\(member.name)' is too large (4 GiB or more)", expected: "smaller datasets (zip64 writing is not implemented)")
            }
            let name = Array(member.name.utf8)
            let crc = Int(CRC32.checksum(member.data))
            let offset = out.count
            put32(0x04034B50, &out); put16(20, &out); put16(0, &out); put16(0, &out)
            put16(dosTime, &out); put16(dosDate, &out); put32(crc, &out)
            put32(member.data.count, &out); put32(member.data.count, &out)
            put16(name.count, &out); put16(0, &out); out.append(contentsOf: name)
            out.append(contentsOf: member.data)

            put32(0x02014B50, &directory); put16(20, &directory); put16(20, &directory); put16(0, &directory); put16(0, &directory)
            put16(dosTime, &directory); put16(dosDate, &directory); put32(crc, &directory)
            put32(member.data.count, &directory); put32(member.data.count, &directory)
            put16(name.count, &directory); put16(0, &directory); put16(0, &directory)
            put16(0, &directory); put16(0, &directory); put32(0, &directory); put32(offset, &directory)
            directory.append(contentsOf: name)
        }
        let directoryOffset = out.count
        out.append(contentsOf: directory)
        put32(0x06054B50, &out); put16(0, &out); put16(0, &out)
        put16(members.count, &out); put16(members.count, &out)
        put32(directory.count, &out); put32(directoryOffset, &out); put16(0, &out)
        return out
    }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zip uses.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { checksum(UnsafeRawBufferPointer($0)) }
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        var c = ~initial
        table.withUnsafeBufferPointer { t in
            for byte in bytes { c = t[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        }
        return ~c
    }
}
