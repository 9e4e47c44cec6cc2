import Foundation

/// An error caused by the user's input (a file, a key, a flag) rather than by a bug.
///
/// Every user mistake becomes one of these so the CLI can print one clear line — what went
/// wrong, where (file, line, key) and what was expected — and exit non-zero, instead of trapping.
public struct UserError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, e.g. "unknown key 'Percision'".
    public var what: String
    /// Where: a file path, optionally with line/key, e.g. "pipelines/jets.yml:12 (hls.HLSConfig)".
    public var location: String?
    /// What was expected instead, e.g. "did you mean 'Precision'?".
    public var expected: String?

    public init(_ what: String, at location: String? = nil, expected: String? = nil) {
        self.what = what
        self.location = location
        self.expected = expected
    }

    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += what
        if let expected { text += "; expected \(expected)" }
        return text
    }
}

extension UserError: LocalizedError {
    public var errorDescription: String? { description }
}

/// Suggests the closest candidate to a misspelt name (Levenshtein distance), for "did you mean" hints.
public func nearestName(to name: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
    let lowered = Array(name.lowercased())
    return candidates.min { distance(lowered, Array($0.lowercased())) < distance(lowered, Array($1.lowercased())) }
}
