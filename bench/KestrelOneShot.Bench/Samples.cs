using System.Diagnostics;
using System.Net;

namespace KestrelOneShot.Bench;

/// <summary>What the interleaved comparisons share: rotating the order of setups, collecting samples, medians, timing, free ports.</summary>
internal static class Samples
{
    /// <summary>The items, starting one further each round, so no setup always runs first.</summary>
    public static IEnumerable<T> Rotate<T>(T[] items, int round) =>
        items.Skip(round % items.Length).Concat(items.Take(round % items.Length));

    public static void Add<TKey, TValue>(Dictionary<TKey, List<TValue>> samples, TKey key, TValue value)
        where TKey : notnull
    {
        if (!samples.TryGetValue(key, out var list))
        {
            samples[key] = list = [];
        }

        list.Add(value);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// Runs <paramref name="batch"/> until two batches in a row compile no method. On two busy cores
    /// the JIT's background recompilation at the final tier lags far behind the load, and a rate
    /// measured before it ends measures the JIT, not the path (docs/performance.md); so each batch is
    /// followed by a pause in which the JIT can finish what the batch queued, and is counted with it.
    /// </summary>
    public static async Task WarmUpAsync(Func<Task> batch, CancellationToken cancellationToken)
    {
        for (var (quiet, batches) = (0, 0); quiet < 2 && batches < 100 && !cancellationToken.IsCancellationRequested; batches++)
        {
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            await batch();
            await Task.Delay(JitQuietPause, CancellationToken.None);
            quiet = System.Runtime.JitInfo.GetCompiledMethodCount() == compiled ? quiet + 1 : 0;
        }
    }

    // Longer than the runtime's call-counting delay, after which methods called often enough are
    // queued for recompilation, with time left to compile them.
    private static readonly TimeSpan JitQuietPause = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Requests per second <paramref name="run"/> served, recording in <paramref name="workItems"/>
    /// under <paramref name="key"/> how many thread-pool work items each request cost (every hop from
    /// one thread to another is one): where a path waits, not only how long.
    /// </summary>
    public static async Task<double> RateAsync(Func<Task> run, int requests, Dictionary<string, List<double>> workItems, string key)
    {
        var before = ThreadPool.CompletedWorkItemCount;
        var seconds = await TimeAsync(run);
        Add(workItems, key, (double)(ThreadPool.CompletedWorkItemCount - before) / requests);
        return requests / seconds;
    }

    /// <summary>
    /// Collects what earlier samples left, before a sample's clock starts: otherwise a setup pays for
    /// the garbage of the one before it (the per-request phases leave the most).
    /// </summary>
    public static void CollectGarbage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Seconds <paramref name="run"/> took.</summary>
    public static async Task<double> TimeAsync(Func<Task> run)
    {
        var clock = Stopwatch.StartNew();
        await run();
        return clock.Elapsed.TotalSeconds;
    }

    public static int FreePort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
