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
