using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace KestrelOneShot.Bench;

/// <summary>
/// Start-up and shut-down of whole processes, interleaved run by run: start → accepts (a client
/// polls connect() every 0.2 ms, asleep in between), the exchange's round trip, start → exit after one exchange, and
/// peak RSS (VmHWM, sampled from /proc while the process lives). Medians with p10–p90 spread, and
/// each figure as a ratio to the C++ reference of the same run.
/// </summary>
internal static partial class StartupBenchmark
{
    private static readonly byte[] Message = "Who is there?\n"u8.ToArray();
    private static readonly TimeSpan RunBound = TimeSpan.FromSeconds(15);

    public static int Run(BenchArguments args)
    {
        var runs = args.Int("runs", 20);
        var servers = new List<Server>();
        if (args["reference"] is { } reference)
        {
            servers.Add(new Server("C++ reference (g++ -O2)", reference, port => [port]));
        }

        if (args.Has("nc"))
        {
            servers.Add(new Server("nc -l -N (netcat-openbsd)", "nc", port => ["-l", "-N", "127.0.0.1", port], "Good talking to you\n"));
        }

        if (args["bare"] is { } bare)
        {
            servers.Add(new Server(BareName, bare, port => ["--port", port]));
        }

        if (args["aot"] is { } aot)
        {
            servers.Add(new Server("KestrelOneShot, Native AOT", aot, port => ["--port", port]));
        }

        // Other builds of the binary (a commit before a change) or other switches, measured in the
        // same run: "label=path [switch ...];label=path ...". A server given --tls is talked to over TLS.
        foreach (var other in (args["aot-also"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var label = other[..other.IndexOf('=', StringComparison.Ordinal)];
            var words = other[(label.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            servers.Add(new Server($"KestrelOneShot, Native AOT, {label}", words[0], port => ["--port", port, .. words[1..]], Tls: words.Contains("--tls")));
        }

        if (args["fdd"] is { } fdd)
        {
            servers.Add(new Server("KestrelOneShot, framework-dependent", "dotnet", port => [fdd, "--port", port]));
        }

        if (servers.Count == 0)
        {
            Console.Error.WriteLine("nothing to measure: give --reference, --aot, --fdd and/or --nc");
            return 2;
        }

        var results = servers.ToDictionary(s => s, _ => new List<Sample>());
        var wall = Stopwatch.StartNew();
        var harnessCpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var run = 0; run < runs; run++)
        {
            // Rotate the order so no server always runs right after another.
            foreach (var server in servers.Skip(run % servers.Count).Concat(servers.Take(run % servers.Count)))
            {
                results[server].Add(Measure(server));
            }
        }

        harnessCpu = Process.GetCurrentProcess().TotalProcessorTime - harnessCpu;
        Print(servers, results, runs);
        // The client must not compete with the servers for the cores: say what it used.
        Console.WriteLine();
        Console.WriteLine($"Harness CPU: {harnessCpu.TotalMilliseconds:0} ms over {wall.Elapsed.TotalSeconds:0.0} s of runs ({harnessCpu / wall.Elapsed:P1} of one core), connect() polled every 0.2 ms asleep in between.");
        return 0;
    }

    private static Sample Measure(Server server)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(server.File)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = server.Stdin is not null,
            UseShellExecute = false,
        };
        foreach (var arg in server.Arguments(port.ToString(CultureInfo.InvariantCulture)))
        {
            start.ArgumentList.Add(arg);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (server.Stdin is { } stdin)
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }

            using var client = Connect(port, clock, process);
            var accepts = clock.Elapsed;
            var sent = clock.Elapsed;
            var answer = server.Tls ? ExchangeOverTls(client) : Exchange(client);
            var roundTrip = clock.Elapsed - sent;
            var peak = PeakRssKiB(process.Id);
            client.Close();
            if (!process.WaitForExit(RunBound))
            {
                throw new TimeoutException($"{server.Name} did not exit");
            }

            var exit = clock.Elapsed;
            if (!answer.StartsWith("Good talking to you", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{server.Name} answered '{answer}'");
            }

            return new Sample(accepts.TotalMilliseconds, exit.TotalMilliseconds, roundTrip.TotalMilliseconds, peak / 1024.0);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(RunBound);
            }
        }
    }

    private static Socket Connect(int port, Stopwatch clock, Process process)
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        while (true)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Connect(endpoint);
                return socket;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
            {
                socket.Dispose();
            }

            if (clock.Elapsed > RunBound || process.HasExited)
            {
                throw new TimeoutException($"nothing accepted on {endpoint}");
            }

            // Asleep between attempts, so the client leaves both cores to the server it measures.
            _ = Usleep(200);
        }
    }

    private static string Exchange(Socket socket)
    {
        socket.Send(Message);
        return ReadToEnd(socket);
    }

    /// <summary>The exchange over TLS, the handshake included; the server's certificate is the one it generated (<c>--tls</c>).</summary>
    private static string ExchangeOverTls(Socket socket)
    {
        using var tls = new SslStream(new NetworkStream(socket), leaveInnerStreamOpen: true, (_, certificate, _, _) => certificate?.Subject == "CN=localhost");
        tls.AuthenticateAsClient("localhost");
        tls.Write(Message);
        var buffer = new byte[256];
        var received = 0;
        while (received < 20 && tls.Read(buffer, received, buffer.Length - received) is var read and > 0)
        {
            received += read;
        }

        return Encoding.UTF8.GetString(buffer, 0, received);
    }

    private static string ReadToEnd(Socket socket)
    {
        socket.ReceiveTimeout = (int)RunBound.TotalMilliseconds;
        var received = new List<byte>();
        var buffer = new byte[256];
        int read;
        while ((read = socket.Receive(buffer)) > 0)
        {
            received.AddRange(buffer.AsSpan(0, read));
            if (received.Count >= 20)
            {
                break; // The answer is in; the round trip ends here, the close is part of the exit.
            }
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }

    /// <summary>VmHWM, the peak resident set, while the process still lives (0 if it is already gone).</summary>
    private static long PeakRssKiB(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static void Print(List<Server> servers, Dictionary<Server, List<Sample>> results, int runs)
    {
        var reference = servers.FirstOrDefault(s => s.Name.StartsWith("C++", StringComparison.Ordinal));
        var bare = servers.FirstOrDefault(s => s.Name == BareName);
        Console.WriteLine($"{runs} interleaved runs per server; median (p10–p90); ratios to the medians of the C++ reference (C++) and of Kestrel alone (bare)");
        Console.WriteLine();
        Console.WriteLine("| server | start → accepts | start → exit after one exchange | exchange round trip | peak RSS |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var server in servers)
        {
            var samples = results[server];
            string Cell(Func<Sample, double> figure, string unit)
            {
                var values = samples.Select(figure).Where(v => v > 0).Order().ToArray();
                if (values.Length == 0)
                {
                    return "—";
                }

                var median = Percentile(values, 50);
                string Ratio(Server? to, string name) => to is not null && to != server && results[to].Select(figure).Where(v => v > 0).Order().ToArray() is { Length: > 0 } others
                    ? $" {median / Percentile(others, 50):0.0}× {name}"
                    : "";
                var ratios = (Ratio(reference, "C++") + Ratio(bare, "bare")).Trim();
                return $"{median:0.0} {unit} ({Percentile(values, 10):0.0}–{Percentile(values, 90):0.0}){(ratios.Length > 0 ? $" ({ratios})" : "")}";
            }

            Console.WriteLine($"| {server.Name} | {Cell(s => s.AcceptsMs, "ms")} | {Cell(s => s.ExitMs, "ms")} | {Cell(s => s.RoundTripMs, "ms")} | {Cell(s => s.PeakRssMiB, "MiB")} |");
        }
    }

    private static double Percentile(double[] sorted, int percent) =>
        sorted[(int)Math.Round((sorted.Length - 1) * percent / 100.0)];

    private const string BareName = "Kestrel alone (bench/reference/BareKestrel, Native AOT)";

    [LibraryImport("libc", EntryPoint = "usleep")]
    private static partial int Usleep(uint microseconds);

    private sealed record Server(string Name, string File, Func<string, string[]> Arguments, string? Stdin = null, bool Tls = false);

    private sealed record Sample(double AcceptsMs, double ExitMs, double RoundTripMs, double PeakRssMiB);
}
