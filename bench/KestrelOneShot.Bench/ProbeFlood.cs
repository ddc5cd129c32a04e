using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace KestrelOneShot.Bench;

/// <summary>
/// A probe flood against a running server: batches of concurrent connect-and-close probes for a
/// bounded time, then the real client. Reports probes absorbed per second, the server's open file
/// descriptors and resident memory before, halfway and after, and whether the client was served (exit 0).
/// </summary>
internal static partial class ProbeFlood
{
    public static int Run(BenchArguments args)
    {
        var app = args["aot"] ?? throw new ArgumentException("--aot PATH (the server to flood) is required");
        var batch = args.Int("probes", 1000);
        var seconds = args.Int("seconds", 10);

        var start = new ProcessStartInfo(app) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--port", "0", "--address", "127.0.0.1" })
        {
            start.ArgumentList.Add(arg);
        }

        using var server = Process.Start(start)!;
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 60));
        bound.Token.Register(() => server.Kill(entireProcessTree: true)); // Whatever hangs, the run ends.
        try
        {
            var port = ReadyPort(server);
            var endpoint = new IPEndPoint(IPAddress.Loopback, port);
            var (fdsBefore, rssBefore) = (OpenFiles(server.Id), RssKiB(server.Id));

            // Two equal halves: what the first leaves behind is the working set of `batch` concurrent
            // connections; growth in the second would be a leak.
            var half = TimeSpan.FromSeconds(seconds / 2.0);
            var (probes, flood) = Flood(endpoint, batch, half);
            Settle(server.Id, fdsBefore);
            var rssHalf = RssKiB(server.Id);
            var (secondProbes, secondFlood) = Flood(endpoint, batch, half);
            (probes, flood) = (probes + secondProbes, flood + secondFlood);
            Settle(server.Id, fdsBefore);
            var (fdsAfter, rssAfter) = (OpenFiles(server.Id), RssKiB(server.Id));

            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 30_000 };
            client.Connect(endpoint);
            client.Send("after the flood\n"u8);
            var buffer = new byte[64];
            var read = client.Receive(buffer);
            client.Close();
            server.WaitForExit(TimeSpan.FromSeconds(30));

            Console.WriteLine($"| probes | seconds | probes/s | open fds before → after | RSS before → after half → after all | real client | exit |");
            Console.WriteLine($"|---|---|---|---|---|---|---|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {probes} ({batch} at a time) | {flood.TotalSeconds:0.0} | {probes / flood.TotalSeconds:0} | {fdsBefore} → {fdsAfter} | {rssBefore / 1024.0:0.0} → {rssHalf / 1024.0:0.0} → {rssAfter / 1024.0:0.0} MiB | {(read == 20 ? "served" : "NOT served")} | {(server.HasExited ? server.ExitCode.ToString(CultureInfo.InvariantCulture) : "running")} |"));
            return read == 20 && server.HasExited && server.ExitCode == 0 ? 0 : 1;
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }
        }
    }

    // Probes sent, and the time they took (a batch started before the duration ends is finished).
    private static (long Probes, TimeSpan Elapsed) Flood(IPEndPoint endpoint, int batch, TimeSpan duration)
    {
        long probes = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            var sockets = Enumerable.Range(0, batch).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ToArray();
            Task.WaitAll([.. sockets.Select(s => s.ConnectAsync(endpoint))], TimeSpan.FromSeconds(30));
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }

            probes += batch;
        }

        return (probes, clock.Elapsed);
    }

    // Lets the server finish closing what it accepted (bounded), so what it still holds is what stays.
    private static void Settle(int pid, int fdsBefore)
    {
        var settle = Stopwatch.StartNew();
        while (OpenFiles(pid) > fdsBefore && settle.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(10);
        }
    }

    private static int ReadyPort(Process server)
    {
        while (server.StandardError.ReadLine() is { } line)
        {
            if (ReadyLine().Match(line) is { Success: true } match)
            {
                // Keep both pipes drained so the server never blocks on a full one.
                _ = server.StandardError.ReadToEndAsync();
                _ = server.StandardOutput.ReadToEndAsync();
                return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("the server exited before it was ready");
    }

    private static int OpenFiles(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    private static long RssKiB(int pid) =>
        long.Parse(
            File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ReadyLine();
}
