/// `dev.sleep`: waits, reporting progress, then succeeds (or fails when asked). For tests,
/// benchmarks and trying the job API; only in the catalogue when ATELIER_DEV_PROCESSORS=1.
public struct DevSleep: ProcessorRunner {
    public static let spec = ProcessorSpec(
        name: "dev.sleep", title: "Wait (development)", description: "Waits `ms` milliseconds in ten steps; `fail` makes it fail, `retry` fail retryably.",
        cost: 1, queue: .standard, mediaInputs: 0...0,
        params: ParamsSchema(properties: [
            "ms": .integer("Milliseconds to wait (0–60000).", minimum: 0, maximum: 60000),
            "fail": ParamsSchema.Property(kind: .boolean, description: "Fail at the end."),
            "retry": ParamsSchema.Property(kind: .boolean, description: "Fail retryably at the end."),
        ]),
        timeout: .seconds(120), maxAttempts: 3)

    public init() {}

    public func run(_ input: JobInput, progress: any JobProgress) async throws -> JobOutput {
        let total = Int(input.params["ms"]?.number ?? 0)
        if total > 0 {
            for step in 1...10 {
                try await Task.sleep(for: .milliseconds(total / 10))
                try await progress.checkCancellation()
                await progress.report(Double(step) / 10, step: "step \(step)")
            }
        }
        if input.params["retry"] == .bool(true) { throw RetryableJobError("Asked to fail retryably.") }
        if input.params["fail"] == .bool(true) { throw AtelierError(status: 422, code: "ASKED_TO_FAIL", message: "Asked to fail.") }
        return JobOutput(data: ["slept_ms": .number(Double(total))])
    }
}
