import Foundation

/// A strict reader of the Prometheus text exposition format (0.0.4), for checking `/metrics`:
/// it throws on anything a scraper would reject or that the format forbids.
struct PrometheusExposition {
    struct Sample: Hashable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family {
        var name: String
        var type: String
        var help: String
    }

    struct FormatError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    private(set) var families: [String: Family] = [:]
    private(set) var samples: [Sample] = []

    /// Parses `text`, checking that every family has one HELP and one TYPE before its samples,
    /// that a family's samples are contiguous, names and labels are well formed, label values
    /// use only the `\\`, `\"` and `\n` escapes, and every histogram's buckets are cumulative and
    /// end with `le="+Inf"` equal to its `_count`, with a `_sum`.
    init(_ text: String) throws {
        var current: String?
        var finished: Set<String> = []
        var helpSeen: Set<String> = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            func fail(_ message: String) -> FormatError { FormatError(line: number, message: "\(message): \(line)") }
            if line.isEmpty { continue }
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1).map(String.init)
                guard let name = parts.first, Self.isMetricName(name) else { throw fail("bad metric name") }
                if name != current {
                    if let current { finished.insert(current) }
                    guard !finished.contains(name) else { throw fail("family declared twice or not contiguous") }
                    current = name
                }
                if line.hasPrefix("# HELP ") {
                    guard helpSeen.insert(name).inserted else { throw fail("second HELP") }
                    families[name, default: Family(name: name, type: "", help: "")].help = parts.count > 1 ? parts[1] : ""
                } else {
                    guard parts.count == 2, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[1]) else {
                        throw fail("bad TYPE")
                    }
                    guard families[name]?.type.isEmpty ?? true else { throw fail("second TYPE") }
                    guard !samples.contains(where: { Self.family(of: $0.name, in: [name: parts[1]]) == name }) else {
                        throw fail("TYPE after samples")
                    }
                    families[name, default: Family(name: name, type: "", help: "")].type = parts[1]
                }
                continue
            }
            if line.hasPrefix("#") { continue }
            let sample = try Self.sample(String(line), line: number)
            let types = families.mapValues(\.type)
            guard let family = Self.family(of: sample.name, in: types), !(families[family]?.type.isEmpty ?? true) else {
                throw fail("sample without a TYPE")
            }
            guard family == current else { throw fail("sample outside its family's block") }
            samples.append(sample)
        }
        try checkHistograms()
    }

    /// The value of the sample `name` with exactly `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    private func checkHistograms() throws {
        for family in families.values where family.type == "histogram" {
            var series: [[String: String]: [(Double, Double)]] = [:]
            for sample in samples where sample.name == family.name + "_bucket" {
                guard let le = sample.labels["le"], let bound = le == "+Inf" ? Double.infinity : Double(le) else {
                    throw FormatError(line: 0, message: "\(family.name): bucket without a numeric le")
                }
                var labels = sample.labels
                labels["le"] = nil
                series[labels, default: []].append((bound, sample.value))
            }
            for (labels, buckets) in series {
                guard buckets.last?.0 == .infinity else {
                    throw FormatError(line: 0, message: "\(family.name)\(labels): last bucket is not +Inf")
                }
                for (previous, next) in zip(buckets, buckets.dropFirst()) {
                    guard previous.0 < next.0, previous.1 <= next.1 else {
                        throw FormatError(line: 0, message: "\(family.name)\(labels): buckets not ascending and cumulative")
                    }
                }
                guard value(family.name + "_count", labels) == buckets.last?.1 else {
                    throw FormatError(line: 0, message: "\(family.name)\(labels): _count differs from the +Inf bucket")
                }
                guard value(family.name + "_sum", labels) != nil else {
                    throw FormatError(line: 0, message: "\(family.name)\(labels): no _sum")
                }
            }
        }
    }

    private static func family(of sampleName: String, in types: [String: String]) -> String? {
        if types[sampleName] != nil { return sampleName }
        for suffix in ["_bucket", "_sum", "_count"] where sampleName.hasSuffix(suffix) {
            let base = String(sampleName.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return nil
    }

    static func isMetricName(_ name: String) -> Bool {
        func isStart(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || c == ":" }
        guard let first = name.unicodeScalars.first, isStart(first) else { return false }
        return name.unicodeScalars.allSatisfy { isStart($0) || ("0"..."9").contains($0) }
    }

    private static func sample(_ line: String, line number: Int) throws -> Sample {
        func fail(_ message: String) -> FormatError { FormatError(line: number, message: "\(message): \(line)") }
        var scalars = Array(line.unicodeScalars)[...]
        var name = ""
        while let c = scalars.first, c != "{" && c != " " { name.unicodeScalars.append(c); scalars.removeFirst() }
        guard isMetricName(name) else { throw fail("bad metric name") }
        var labels: [String: String] = [:]
        if scalars.first == "{" {
            scalars.removeFirst()
            while scalars.first != "}" {
                var label = ""
                while let c = scalars.first, c != "=" { label.unicodeScalars.append(c); scalars.removeFirst() }
                guard isMetricName(label), !label.contains(":"), labels[label] == nil else { throw fail("bad or repeated label name") }
                scalars.removeFirst()
                guard scalars.first == "\"" else { throw fail("label value not quoted") }
                scalars.removeFirst()
                var value = ""
                while true {
                    guard let c = scalars.popFirst() else { throw fail("unterminated label value") }
                    if c == "\"" { break }
                    if c == "\n" { throw fail("raw newline in a label value") }
                    if c == "\\" {
                        switch scalars.popFirst() {
                        case "\\": value += "\\"
                        case "\"": value += "\""
                        case "n": value += "\n"
                        default: throw fail("bad escape in a label value")
                        }
                    } else {
                        value.unicodeScalars.append(c)
                    }
                }
                labels[label] = value
                if scalars.first == "," { scalars.removeFirst() } else if scalars.first != "}" { throw fail("expected , or }") }
            }
            scalars.removeFirst()
        }
        guard scalars.first == " " else { throw fail("expected a space before the value") }
        let rest = String(String.UnicodeScalarView(scalars.dropFirst())).split(separator: " ")
        guard rest.count == 1 || rest.count == 2 else { throw fail("expected a value and an optional timestamp") }
        let text = String(rest[0])
        let value: Double? = switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
        guard let value else { throw fail("bad value") }
        return Sample(name: name, labels: labels, value: value)
    }
}
