/// Responses the event loop holds until their release time (`HTTPResponse.deferred`): a binary
/// min-heap on the release time, so the loop's wait and each release cost O(log n) with thousands held.
struct HTTPHeldResponses {
    private var heap: [HTTPLoopMailbox.Completion] = []

    var isEmpty: Bool { heap.isEmpty }

    /// The earliest release time, or nil when nothing is held.
    var nextReleaseUs: Int64? { heap.first?.response.releaseAtUs }

    mutating func insert(_ completion: HTTPLoopMailbox.Completion) {
        heap.append(completion)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.earlier(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the held responses due at `now` (all of them when `now` is `.max`),
    /// earliest first.
    mutating func takeDue(nowUs now: Int64) -> [HTTPLoopMailbox.Completion] {
        var due: [HTTPLoopMailbox.Completion] = []
        while let first = heap.first, first.response.releaseAtUs <= now {
            due.append(first)
            let last = heap.removeLast()
            guard !heap.isEmpty else { break }
            heap[0] = last
            siftDown()
        }
        return due
    }

    private mutating func siftDown() {
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count && Self.earlier(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && Self.earlier(heap[right], heap[smallest]) { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }

    private static func earlier(_ a: HTTPLoopMailbox.Completion, _ b: HTTPLoopMailbox.Completion) -> Bool {
        a.response.releaseAtUs < b.response.releaseAtUs
    }
}
