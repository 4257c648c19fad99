import Queue
import Testing

@testable import Worker

@Suite("WorkerState: slots, prefetched jobs and held jobs")
struct WorkerStateTests {
    static func jobs(_ ids: ClosedRange<Int64>) -> [ClaimedJob] {
        ids.map { ClaimedJob(id: $0, attempt: 1, route: "m", request: "{}") }
    }

    @Test func aFinishedJobGivesItsSlotBackBeforeItsCompletionIsWritten() async {
        let state = WorkerState(activeLimit: 3)
        #expect(state.freeSlots == 3)
        state.add(Self.jobs(1...3))
        #expect(state.freeSlots == 0 && state.activeCount == 3)
        let job = await state.nextJob()
        #expect(job?.id == 1)
        #expect(state.finishedExecuting(1))
        // Still held (heartbeated) until written, but no longer taking a place.
        #expect(state.heldCount == 3)
        #expect(state.freeSlots == 1 && state.activeCount == 2)
        state.release([(id: 1, attempt: 1)])
        #expect(state.heldCount == 2 && state.freeSlots == 1)
    }

    @Test func heldJobsAreCappedAtTwiceTheActiveLimit() async {
        let state = WorkerState(activeLimit: 2)
        for id in Int64(1)...4 {
            #expect(state.freeSlots > 0)
            state.add(Self.jobs(id...id))
            _ = await state.nextJob()
            #expect(state.finishedExecuting(id))
        }
        // Four finished jobs wait for their writes: nothing more may be claimed until one is written.
        #expect(state.activeCount == 0 && state.heldCount == 4)
        #expect(state.freeSlots == 0)
        state.release([(id: 2, attempt: 1)])
        #expect(state.freeSlots == 1)
    }

    @Test func freedSlotsWakeTheProducerOnlyWhenItWaitsOrEnoughAreFreeAndJobsAreWaiting() async {
        let state = WorkerState(activeLimit: 4)
        state.add(Self.jobs(1...4))
        for _ in 1...4 { _ = await state.nextJob() }
        #expect(state.producerWillWaitForSlot())
        #expect(state.finishedExecuting(1))
        // The producer waits for the first free slot: woken once, then only at the threshold.
        #expect(state.shouldWakeProducer(threshold: 3))
        #expect(!state.shouldWakeProducer(threshold: 3))
        #expect(state.finishedExecuting(2))
        #expect(state.finishedExecuting(3))
        #expect(state.shouldWakeProducer(threshold: 3))
        // Once a claim came back short (no backlog), freed slots wake nobody.
        state.noteBacklog(false)
        #expect(!state.shouldWakeProducer(threshold: 3))
        #expect(!state.producerWillWaitForSlot())  // slots are free: no reason to wait
    }
}
