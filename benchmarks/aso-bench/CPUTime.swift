#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The CPU time (user + system) this process has used, from `getrusage`: every thread's,
/// so that work handed to GRDB's queues counts as well as the caller's.
///
/// CPU time moves far less with the machine's load than wall-clock time does, so a
/// ratio of CPU time per unit of work is the steadier figure on a shared machine.
enum CPUTime {
    static func now() -> Duration {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func duration(_ time: timeval) -> Duration {
            .seconds(Int64(time.tv_sec)) + .microseconds(Int64(time.tv_usec))
        }
        return duration(usage.ru_utime) + duration(usage.ru_stime)
    }

    /// Runs `body`, returning its result and the CPU time it used.
    nonisolated(nonsending) static func measure<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
        let start = now()
        let result = try await body()
        return (result, now() - start)
    }
}

/// One round of a workload: its rate, and its CPU time per unit of work.
struct Sample {
    var rate: Double
    var cpuPerUnit: Duration

    /// A rate and the CPU time of `units` units of work.
    init(units: Int, wall: Duration, cpu: Duration) {
        rate = Double(units) / wall.seconds
        cpuPerUnit = cpu / units
    }

    /// The median rate and the median CPU time per unit of several rounds (each its own median).
    static func median(_ samples: [Sample]) -> (rate: Double, cpu: Duration) {
        let rates = samples.map(\.rate).sorted()
        let times = samples.map(\.cpuPerUnit).sorted()
        return (rates[rates.count / 2], times[times.count / 2])
    }
}

extension Benchmark {
    /// Runs raw and ours alternately, `rounds` times each, as ``alternate(_:raw:ours:)``
    /// does, and returns the median rates and CPU times per unit of both sides.
    nonisolated(nonsending) static func alternateSamples(
        _ rounds: Int, raw: () async throws -> Sample, ours: () async throws -> Sample
    ) async throws -> (ours: (rate: Double, cpu: Duration), raw: (rate: Double, cpu: Duration)) {
        var rawSamples: [Sample] = []
        var ourSamples: [Sample] = []
        for _ in 0..<rounds {
            rawSamples.append(try await raw())
            ourSamples.append(try await ours())
        }
        return (Sample.median(ourSamples), Sample.median(rawSamples))
    }
}
