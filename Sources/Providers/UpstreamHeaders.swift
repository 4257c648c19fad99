/// Response or request headers in arrival order, looked up case-insensitively.
/// Names are stored lowercased (HTTP/2 sends them so anyway).
public struct UpstreamHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var pairs: [(name: String, value: String)]

    public init(_ pairs: [(String, String)] = []) {
        self.pairs = pairs.map { (name: $0.0.lowercased(), value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    /// The first value of `name`.
    public subscript(_ name: String) -> String? {
        let lower = name.lowercased()
        for pair in pairs where pair.name == lower { return pair.value }
        return nil
    }

    public func values(_ name: String) -> [String] {
        let lower = name.lowercased()
        return pairs.filter { $0.name == lower }.map(\.value)
    }

    public mutating func add(_ name: String, _ value: String) { pairs.append((name: name.lowercased(), value: value)) }

    public mutating func removeAll() { pairs.removeAll(keepingCapacity: true) }

    public var count: Int { pairs.count }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { pairs.makeIterator() }

    public static func == (lhs: UpstreamHeaders, rhs: UpstreamHeaders) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for pair in pairs {
            hasher.combine(pair.name)
            hasher.combine(pair.value)
        }
    }
}
