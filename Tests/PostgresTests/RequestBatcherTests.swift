import Postgres
import Synchronization
import Testing

@Suite struct RequestBatcherTests {
    /// What the batches looked like: their sizes, and the most that ran at once.
    final class Record: Sendable {
        private let state = Mutex((sizes: [Int](), running: 0, mostRunning: 0))
        func begin(_ size: Int) { state.withLock { $0.sizes.append(size); $0.running += 1; $0.mostRunning = max($0.mostRunning, $0.running) } }
        func end() { state.withLock { $0.running -= 1 } }
        var sizes: [Int] { state.withLock { $0.sizes } }
        var mostRunning: Int { state.withLock { $0.mostRunning } }
    }

    static func batcher(_ record: Record, inFlight: Int = 2, maxSize: Int = 10_000) -> RequestBatcher<Int, Int> {
        RequestBatcher(maxBatchesInFlight: inFlight, maxBatchSize: maxSize) { inputs in
            record.begin(inputs.count)
            try? await Task.sleep(for: .milliseconds(5))   // a round trip, during which others gather
            record.end()
            return inputs.map { $0 * 2 }
        }
    }

    @Test func everyCallerGetsItsOwnOutputAndCallsShareBatches() async {
        let record = Record()
        let batcher = Self.batcher(record)
        let outputs = await withTaskGroup(of: (Int, Int).self) { group in
            for input in 0..<500 { group.addTask { (input, await batcher.submit(input)) } }
            var outputs: [Int: Int] = [:]
            for await (input, output) in group { outputs[input] = output }
            return outputs
        }
        #expect(outputs.count == 500)
        #expect(outputs.allSatisfy { $0.value == $0.key * 2 })
        #expect(record.sizes.reduce(0, +) == 500)
        #expect(record.sizes.count < 250, "500 calls took \(record.sizes.count) batches")
        #expect(record.mostRunning <= 2)
    }

    @Test func batchesStayWithinTheirLimits() async {
        let record = Record()
        let batcher = Self.batcher(record, inFlight: 3, maxSize: 7)
        await withTaskGroup(of: Void.self) { group in
            for input in 0..<200 { group.addTask { #expect(await batcher.submit(input) == input * 2) } }
        }
        #expect(record.sizes.reduce(0, +) == 200)
        #expect(record.sizes.allSatisfy { $0 <= 7 }, "\(record.sizes)")
        #expect(record.mostRunning <= 3)
    }

    @Test func anIdleBatcherRunsACallAloneAndAgainAfterwards() async {
        let record = Record()
        let batcher = Self.batcher(record)
        #expect(await batcher.submit(1) == 2)
        #expect(await batcher.submit(2) == 4)
        #expect(record.sizes == [1, 1])
    }
}
