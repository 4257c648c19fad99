// libFuzzer entry point for HTTPRequestParser. Not a SwiftPM target: scripts/fuzz-http compiles it
// together with the parser's sources (swiftc -sanitize=fuzzer,address -parse-as-library).
//
// Checks, for every input: no crash, no sanitizer report, no hang; limits hold for every request
// produced; and feeding the input whole or in data-derived slices gives the same outcome
// (the same requests, or the same error status), so incremental parsing cannot be steered into
// reading a different request than a whole-buffer parse would.

/// Small limits so the fuzzer reaches the 413/431 paths quickly.
let fuzzLimits = HTTPParserLimits(maxHeaderBytes: 2048, maxHeaderCount: 16, maxBodyBytes: 512)

/// What a parse produced: one line per request, then `error N` if it failed.
func fuzzOutcome(_ bytes: UnsafeBufferPointer<UInt8>, slices: [Int]) -> [String] {
    var parser = HTTPRequestParser(limits: fuzzLimits)
    var outcome: [String] = []
    var offset = 0
    var sliceIndex = 0
    while offset < bytes.count {
        let length = slices.isEmpty ? bytes.count : max(1, slices[sliceIndex % slices.count])
        sliceIndex += 1
        let end = min(bytes.count, offset + length)
        parser.append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[offset ..< end])))
        offset = end
        parsing: while true {
            do {
                switch try parser.parse() {
                case .needMoreData:
                    break parsing
                case .head(let head):
                    precondition(head.request.headers.count <= fuzzLimits.maxHeaderCount, "header count limit")
                case .request(let request):
                    precondition(request.body.count <= fuzzLimits.maxBodyBytes, "body limit")
                    precondition(request.path.hasPrefix("/") || request.path == "*", "path form")
                    var line = "\(request.method) \(request.target) \(request.version) \(request.body)"
                    for field in request.headers { line += " \(field.name)=\(field.value)" }
                    outcome.append(line)
                }
            } catch {
                precondition([400, 413, 417, 431, 501, 505].contains(error.status), "unexpected status \(error.status)")
                outcome.append("error \(error.status)")
                return outcome
            }
        }
    }
    return outcome
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequestParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let whole = fuzzOutcome(bytes, slices: [])
    // Slice sizes derived from the input itself, so the fuzzer explores split points too.
    let slices = bytes.prefix(4).map { Int($0 % 17) + 1 }
    let sliced = fuzzOutcome(bytes, slices: slices.isEmpty ? [1] : slices)
    let byteByByte = fuzzOutcome(bytes, slices: [1])
    if whole != sliced || whole != byteByByte {
        // -O drops precondition messages: print the evidence first.
        print("whole: \(whole)\nsliced \(slices): \(sliced)\nbyte by byte: \(byteByByte)")
        fatalError("incremental parse differs from whole-buffer parse")
    }
    return 0
}
