@testable import AtelierCore
import Testing

@Suite("Host pacing")
struct HostPacerTests {
    @Test("each host has its own turns, an interval apart")
    func turns() async throws {
        let clock = RecordingClock()
        let pacer = HostPacer(clock: clock)
        let start = clock.now
        for host in ["a.example", "a.example", "b.example", "a.example"] {
            try await pacer.waitTurn(host: host, interval: .seconds(1))
        }
        // Real time passes between the turns too (a lot on a busy machine), so only the sum of
        // the waits is exact: the third turn of a.example comes two intervals after the first.
        #expect(clock.now - start >= .seconds(2))
        #expect(clock.sleeps.count <= 2, "the first request to each host does not wait")
    }

    @Test("a host held off makes every later request to it wait, and no other")
    func holdOff() async throws {
        let clock = RecordingClock()
        let pacer = HostPacer(clock: clock)
        try await pacer.waitTurn(host: "a.example", interval: .milliseconds(10))
        let heldAt = clock.now
        await pacer.holdOff(host: "a.example", for: .seconds(5))
        try await pacer.waitTurn(host: "b.example", interval: .milliseconds(10))
        #expect(clock.sleeps.isEmpty)
        try await pacer.waitTurn(host: "a.example", interval: .milliseconds(10))
        #expect(clock.now - heldAt >= .seconds(5))
    }
}
