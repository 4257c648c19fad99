/// Small helpers for writing JSON text by hand on hot paths, where building a dictionary and
/// running an encoder per job would cost more than the job itself.
public enum JSONText {
    /// `value` as a JSON string literal, quotes included.
    public static func quoted(_ value: String) -> String {
        var needsEscaping = false
        for byte in value.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            needsEscaping = true
            break
        }
        if !needsEscaping { return "\"" + value + "\"" }
        var out = [UInt8]()
        out.reserveCapacity(value.utf8.count + 8)
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    /// `values` (each already JSON text) as one JSON array; `nil` elements become `null`.
    static func array(_ values: [String?]) -> String {
        var text = "["
        text.reserveCapacity(values.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 1 })
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            text += value ?? "null"
        }
        return text + "]"
    }
}
