import Foundation
import Support

/// A raw DEFLATE (RFC 1951) decoder, so `.npz` files from `numpy.savez_compressed` load without zlib.
/// Canonical Huffman decoding bit by bit over code lengths; simple and fast enough for dataset files.
enum Inflate {
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)  // codes per length
        var symbols: [Int] = []                       // symbols ordered by code

        init(lengths: ArraySlice<Int>) {
            for length in lengths { counts[length] += 1 }
            counts[0] = 0
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<16 { offsets[length] = offsets[length - 1] + counts[length - 1] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0
        var bitBuffer = 0
        var bitCount = 0
        let source: String

        mutating func bits(_ n: Int) throws -> Int {
            while bitCount < n {
                guard position < bytes.count else { throw UserError("compressed .npz member is truncated", at: source) }
                bitBuffer |= Int(bytes[position]) << bitCount
                position += 1
                bitCount += 8
            }
            let value = bitBuffer & ((1 << n) - 1)
            bitBuffer >>= n
            bitCount -= n
            return value
        }

        mutating func decode(_ huffman: Huffman) throws -> Int {
            var code = 0, first = 0, index = 0
            for length in 1..<16 {
                code |= try bits(1)
                let count = huffman.counts[length]
                if code - count < first { return huffman.symbols[index + (code - first)] }
                index += count
                first += count
                first <<= 1
                code <<= 1
            }
            throw UserError("corrupt DEFLATE data (bad Huffman code)", at: source)
        }
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    static func decompress(_ input: UnsafeRawBufferPointer, expectedSize: Int, source: String) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(max(0, expectedSize))
        var reader = Reader(bytes: input, source: source)
        let fixedLiteral: Huffman = {
            var lengths = [Int](repeating: 8, count: 288)
            for i in 144..<256 { lengths[i] = 9 }
            for i in 256..<280 { lengths[i] = 7 }
            return Huffman(lengths: lengths[...])
        }()
        let fixedDistance = Huffman(lengths: [Int](repeating: 5, count: 30)[...])
        var last = 0
        repeat {
            last = try reader.bits(1)
            let type = try reader.bits(2)
            switch type {
            case 0:
                reader.bitBuffer = 0; reader.bitCount = 0
                guard reader.position + 4 <= input.count else { throw UserError("compressed .npz member is truncated", at: source) }
                let length = Int(input[reader.position]) | Int(input[reader.position + 1]) << 8
                reader.position += 4
                guard reader.position + length <= input.count else { throw UserError("compressed .npz member is truncated", at: source) }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[reader.position..<(reader.position + length)]))
                reader.position += length
            case 1:
                try inflateBlock(&reader, &out, fixedLiteral, fixedDistance)
            case 2:
                let literalCount = try reader.bits(5) + 257
                let distanceCount = try reader.bits(5) + 1
                let codeCount = try reader.bits(4) + 4
                let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
                var codeLengths = [Int](repeating: 0, count: 19)
                for i in 0..<codeCount { codeLengths[order[i]] = try reader.bits(3) }
                let codeHuffman = Huffman(lengths: codeLengths[...])
                var lengths: [Int] = []
                while lengths.count < literalCount + distanceCount {
                    let symbol = try reader.decode(codeHuffman)
                    switch symbol {
                    case 0..<16: lengths.append(symbol)
                    case 16:
                        guard let previous = lengths.last else { throw UserError("corrupt DEFLATE data (repeat without a length)", at: source) }
                        lengths.append(contentsOf: repeatElement(previous, count: 3 + (try reader.bits(2))))
                    case 17: lengths.append(contentsOf: repeatElement(0, count: 3 + (try reader.bits(3))))
                    default: lengths.append(contentsOf: repeatElement(0, count: 11 + (try reader.bits(7))))
                    }
                }
                guard lengths.count == literalCount + distanceCount else { throw UserError("corrupt DEFLATE data (code lengths overflow)", at: source) }
                try inflateBlock(&reader, &out, Huffman(lengths: lengths[0..<literalCount]),
                                 Huffman(lengths: lengths[literalCount...]))
            default:
                throw UserError("corrupt DEFLATE data (block type 3)", at: source)
            }
        } while last == 0
        return out
    }

    static func inflateBlock(_ reader: inout Reader, _ out: inout [UInt8], _ literals: Huffman, _ distances: Huffman) throws {
        while true {
            let symbol = try reader.decode(literals)
            if symbol < 256 { out.append(UInt8(symbol)); continue }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else { throw UserError("corrupt DEFLATE data (length symbol)", at: reader.source) }
            let length = lengthBase[lengthIndex] + (try reader.bits(lengthExtra[lengthIndex]))
            let distanceSymbol = try reader.decode(distances)
            guard distanceSymbol < 30 else { throw UserError("corrupt DEFLATE data (distance symbol)", at: reader.source) }
            let distance = distanceBase[distanceSymbol] + (try reader.bits(distanceExtra[distanceSymbol]))
            guard distance <= out.count else { throw UserError("corrupt DEFLATE data (distance too far back)", at: reader.source) }
            let start = out.count - distance
            for k in 0..<length { out.append(out[start + k]) }
        }
    }
}
