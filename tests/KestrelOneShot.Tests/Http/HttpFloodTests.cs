using System.Net;
using System.Text;
using System.Text.Json;

using KestrelOneShot.Hosting;
using KestrelOneShot.InMemory;
using KestrelOneShot.Reporting;
using KestrelOneShot.Run;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace KestrelOneShot.Tests.Http;

/// <summary>
/// A flood of mutated HTTP/1.1 request heads and HTTP/2 frame sequences through the real HTTP
/// endpoint (Kestrel's HTTP layer behind the one-shot's pipeline), the host in this process over the
/// in-memory transport, as RejectionFloodTests floods the first packets: no crash, every connection
/// accounted for, a report of at most a hundred entries, the heap bounded, and the request-smuggling
/// shapes refused or warned of. (This flood found the transport's connects holding every connection
/// made with a long-lived token: fixed, docs/testing.md.) Alone in its collection: its heap figures
/// are the whole process's.
/// </summary>
[Collection(nameof(HttpFloodTests))]
public sealed class HttpFloodTests
{
    private const int Connections = 1_000_000;

    private static readonly byte[][] Shapes =
    [
        "GET /api/z?x=1 HTTP/1.1\r\nHost: route.test\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n"u8.ToArray(),
        "POST /api HTTP/1.1\r\nHost: route.test\r\nContent-Length: 5\r\n\r\nhello"u8.ToArray(),
        "POST /api HTTP/1.1\r\nHost: route.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"u8.ToArray(),
        "OPTIONS / HTTP/1.0\r\n\r\n"u8.ToArray(),
        // The HTTP/2 preface, an empty SETTINGS frame, and a HEADERS frame (GET / over http, :authority a).
        [.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 6, 1, 5, 0, 0, 0, 1, 0x82, 0x86, 0x84, 0x41, 1, (byte)'a'],
    ];

    [Fact]
    public async Task MutatedRequestsAreEachAccountedForWithABoundedReportAndHeap()
    {
        var (run, server) = await StartAsync();
        var random = new Random(20261204);
        long heapAfterWarmUp = 0;
        var flood = Task.Run(async () =>
        {
            for (var i = 0; i < Connections; i++)
            {
                // One in five unmutated: served (or a health check), so the flood has both.
                await ExchangeAsync(server, random.Next(5) == 0 ? Shapes[i % Shapes.Length] : Mutations.Mutate(Shapes[i % Shapes.Length], random), endOutput: true);
                if (i == Connections / 10)
                {
                    heapAfterWarmUp = GC.GetTotalMemory(forceFullCollection: true);
                }
            }
        }, TestContext.Current.CancellationToken);
        await flood.WaitAsync(TimeSpan.FromMinutes(15), TestContext.Current.CancellationToken);
        var heapAtEnd = GC.GetTotalMemory(forceFullCollection: true);
        await server.DisposeAsync();

        // Each connection is served, a health check, or turned away; one that carried a check and
        // then a refused request is counted twice, as both.
        Assert.True(server.Served + run.Rejections.Count >= Connections, $"{server.Served} served and {run.Rejections.Count} recorded of {Connections}; errors: {string.Join(" | ", server.Logs.Where(l => l.StartsWith("fail:", StringComparison.Ordinal)).Take(5))}");
        Assert.True(server.Served > 0 && run.Rejections.HealthChecks > 0 && run.Rejections.Count > run.Rejections.HealthChecks);
        var report = RunReport.Create(0, null, run, null, TimeProvider.System, TimeProvider.System.GetTimestamp(), TimeProvider.System.GetTimestamp());
        using var json = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(report, RunReportJsonContext.Default.RunReport));
        Assert.Equal(RejectionLog.MaxEntries, json.RootElement.GetProperty("rejected").GetArrayLength());
        Assert.True(heapAtEnd - heapAfterWarmUp < 16 * 1024 * 1024, $"the heap grew by {(heapAtEnd - heapAfterWarmUp) / 1024} KiB over {Connections * 9 / 10} connections");
    }

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", false)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n", false)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", true)]
    public async Task NoSmugglingShapePassesSilently(string request, bool servedWithWarning)
    {
        var (run, server) = await StartAsync();
        var answer = await ExchangeAsync(server, Encoding.ASCII.GetBytes(request), endOutput: false);
        await server.DisposeAsync();

        if (servedWithWarning)
        {
            Assert.StartsWith("HTTP/1.1 200 OK", answer, StringComparison.Ordinal);
            Assert.Contains(server.Logs, l => l.StartsWith("warn: ", StringComparison.Ordinal) && l.Contains("request-smuggling shape", StringComparison.Ordinal));
        }
        else
        {
            Assert.StartsWith("HTTP/1.1 400 Bad Request", answer, StringComparison.Ordinal);
            Assert.Equal(1, run.Rejections.Count);
            Assert.StartsWith("Kestrel refused the request: ", Assert.Single(run.Rejections.Entries).Reason, StringComparison.Ordinal);
        }
    }

    /// <summary>The real host in memory, serving (nearly) without end, its run at hand.</summary>
    private static async Task<(OneShotRun Run, FloodServer Server)> StartAsync()
    {
        var server = new FloodServer();
        var run = await server.StartAsync().WaitAsync(Bounded.Timeout, TestContext.Current.CancellationToken);
        return (run, server);
    }

    /// <summary>
    /// Sends <paramref name="bytes"/> and reads the answer (its first bytes) to the server's close (a
    /// reset where Kestrel aborts a refused connection). A mutated request may be cut short: ending
    /// the client's output then is what ends the exchange.
    /// </summary>
    private static async Task<string> ExchangeAsync(FloodServer server, byte[] bytes, bool endOutput)
    {
        await using var connection = await server.Transport.ConnectInMemoryAsync(server.EndPoint, TestContext.Current.CancellationToken).AsTask().WaitAsync(Bounded.Timeout, TestContext.Current.CancellationToken);
        await connection.Transport.Output.WriteAsync(bytes, TestContext.Current.CancellationToken);
        if (endOutput)
        {
            await connection.Transport.Output.CompleteAsync();
        }

        var answer = new StringBuilder();
        var input = connection.Transport.Input;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Bounded.Timeout, TestContext.Current.CancellationToken);
                if (answer.Length < 64)
                {
                    answer.Append(Encoding.ASCII.GetString(result.Buffer.Slice(0, Math.Min(result.Buffer.Length, 64))));
                }

                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (ConnectionResetException)
        {
            // What arrived before the reset is the answer.
        }

        return answer.ToString();
    }

    /// <summary>The program's host with <c>--http</c>, counting the served lines instead of keeping them.</summary>
    private sealed class FloodServer : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly CountingWriter _stdout = new();
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _logs = new();
        private Task<int>? _running;

        public InMemoryTransport Transport { get; } = new();

        public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Loopback, 0);

        public long Served => _stdout.Lines;

        /// <summary>Warnings and errors only: a flood logs a line a second of each kind, at most.</summary>
        public IReadOnlyCollection<string> Logs => _logs;

        public async Task<OneShotRun> StartAsync()
        {
            var ready = new TaskCompletionSource<OneShotRun>(TaskCreationOptions.RunContinuationsAsynchronously);
            var setup = new OneShotHostSetup
            {
                Out = _stdout,
                Error = TextWriter.Null,
                Logs = _logs.Enqueue,
                ConfigureBuilder = builder => builder.Services.AddInMemoryTransport(Transport),
                Built = host => host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStarted.Register(() =>
                {
                    var address = host.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First(a => !a.Contains("handoff:", StringComparison.Ordinal));
                    EndPoint = IPEndPoint.Parse(address[(address.IndexOf("://", StringComparison.Ordinal) + 3)..]);
                    ready.TrySetResult(host.Services.GetRequiredService<OneShotRun>());
                }),
            };
            _running = Task.Run(() => OneShotHost.RunAsync(["--http", "--address", "127.0.0.1", "--port", "0", "--count", "1000000000", "--Logging:LogLevel:Default=Warning"], setup, _stop.Token));
            await Task.WhenAny(ready.Task, _running);
            return await ready.Task;
        }

        public async ValueTask DisposeAsync()
        {
            if (_running is { IsCompleted: false })
            {
                await _stop.CancelAsync();
                await _running.WaitAsync(Bounded.Timeout);
            }

            _stop.Dispose();
        }
    }

    private sealed class CountingWriter : TextWriter
    {
        private long _lines;

        public long Lines => Interlocked.Read(ref _lines);

        public override Encoding Encoding => Encoding.UTF8;

        public override void WriteLine(string? value) => Interlocked.Increment(ref _lines);

        public override void Write(string? value)
        {
        }
    }
}

[CollectionDefinition(nameof(HttpFloodTests), DisableParallelization = true)]
public sealed class HttpFloodRunsAlone;
