using System.Diagnostics;
using System.Globalization;
using System.Net;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

using static KestrelOneShot.Bench.Samples;

namespace KestrelOneShot.Bench;

/// <summary>
/// What a test author would use instead of the in-memory transport, against samples/HttpApp:
/// per test (a factory made, started, one GET, disposed) with TestServer, UseKestrel() on loopback
/// sockets and UseKestrel() in memory; per request (sequential and 16 concurrent GETs on one
/// client, HTTP/1.1 and h2c) in memory against loopback sockets. Every round runs every setup, in
/// an order that rotates from round to round, and the table gives medians over the rounds.
/// </summary>
internal static class HttpInMemoryComparison
{
    private const int Concurrency = 16;

    private enum Setup
    {
        TestServer,
        Loopback,
        InMemory,
    }

    public static async Task<int> RunAsync(BenchArguments args)
    {
        var rounds = args.Int("rounds", 10);
        var starts = args.Int("starts", 20);
        var requests = args.Int("requests", 2000);
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(args.Int("minutes", 15)));

        var startSamples = new Dictionary<Setup, List<Phases>>();
        var rateSamples = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var workItems = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        Setup[] setups = [Setup.TestServer, Setup.Loopback, Setup.InMemory];

        // Warm-up: JIT and first-use costs belong to no setup.
        foreach (var setup in setups)
        {
            await StartOnceAsync(setup, bound.Token);
        }

        for (var round = 0; round < rounds && !bound.IsCancellationRequested; round++)
        {
            foreach (var setup in Rotate(setups, round))
            {
                for (var i = 0; i < starts; i++)
                {
                    Add(startSamples, setup, await StartOnceAsync(setup, bound.Token));
                }
            }

            foreach (var (setup, version) in Rotate([(Setup.InMemory, HttpVersion.Version11), (Setup.Loopback, HttpVersion.Version11), (Setup.InMemory, HttpVersion.Version20), (Setup.Loopback, HttpVersion.Version20)], round))
            {
                await using var app = Start(setup);
                using var client = app.Client(version);
                await WarmUpAsync(async () => { await SequentialAsync(client, 400, bound.Token); await ConcurrentAsync(client, 800, bound.Token); }, bound.Token);
                var name = $"{(version == HttpVersion.Version20 ? "h2c" : "HTTP/1.1")} {Label(setup)}";
                Add(rateSamples, $"{name} sequential", await RateAsync(() => SequentialAsync(client, requests, bound.Token), requests, workItems, $"{name} sequential"));
                Add(rateSamples, $"{name} {Concurrency} concurrent", await RateAsync(() => ConcurrentAsync(client, requests, bound.Token), requests, workItems, $"{name} {Concurrency} concurrent"));
            }
        }

        Console.WriteLine($"Per test: make a WebApplicationFactory<HttpApp.Program>, start it, one GET /hello, dispose; {starts} per setup per round, {rounds} rounds, medians in ms.");
        Console.WriteLine();
        Console.WriteLine("| Setup | Start | First GET | Dispose | Total | × TestServer |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        var testServer = Median(startSamples[Setup.TestServer].Select(p => p.Total));
        foreach (var setup in setups)
        {
            var samples = startSamples[setup];
            var total = Median(samples.Select(p => p.Total));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {Label(setup)} | {Median(samples.Select(p => p.Start)):F2} | {Median(samples.Select(p => p.FirstGet)):F2} | {Median(samples.Select(p => p.Dispose)):F2} | {total:F2} | {total / testServer:F2} |"));
        }

        Console.WriteLine();
        Console.WriteLine($"Per request: {requests} GET /hello on one warm client, sequential and {Concurrency} at a time; {rounds} rounds, medians in requests/s, and the thread pool's work items per request.");
        Console.WriteLine();
        Console.WriteLine("| Requests | In memory | Loopback sockets | In memory ÷ loopback | work items, in memory | work items, loopback |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var protocol in new[] { "HTTP/1.1", "h2c" })
        {
            foreach (var shape in new[] { "sequential", $"{Concurrency} concurrent" })
            {
                var (inMemory, loopback) = ($"{protocol} {Label(Setup.InMemory)} {shape}", $"{protocol} {Label(Setup.Loopback)} {shape}");
                var (inMemoryRate, loopbackRate) = (Median(rateSamples[inMemory]), Median(rateSamples[loopback]));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {protocol} {shape} | {inMemoryRate:F0} | {loopbackRate:F0} | {inMemoryRate / loopbackRate:F2} | {Median(workItems[inMemory]):F2} | {Median(workItems[loopback]):F2} |"));
            }
        }

        return 0;
    }

    private static async Task<Phases> StartOnceAsync(Setup setup, CancellationToken cancellationToken)
    {
        CollectGarbage();
        var clock = Stopwatch.StartNew();
        await using var app = Start(setup);
        var started = clock.Elapsed.TotalMilliseconds;
        using (var client = app.Client(HttpVersion.Version11))
        {
            await client.GetStringAsync("/hello", cancellationToken);
        }

        var answered = clock.Elapsed.TotalMilliseconds;
        await app.DisposeAsync();
        var disposed = clock.Elapsed.TotalMilliseconds;
        return new Phases(started, answered - started, disposed - answered);
    }

    private static App Start(Setup setup)
    {
        var transport = new InMemoryTransport();
        var (http, http2) = setup == Setup.Loopback ? (FreePort(), FreePort()) : (HttpApp.Program.HttpPort, HttpApp.Program.Http2Port);
        var factory = new WebApplicationFactory<HttpApp.Program>().WithWebHostBuilder(web => web
            .UseSetting("Ports:Http", $"{http}")
            .UseSetting("Ports:Http2", $"{http2}")
            .UseSetting("Logging:LogLevel:Default", "Warning"));
        switch (setup)
        {
            case Setup.InMemory:
                factory = factory.WithInMemoryKestrel(transport);
                break;
            case Setup.Loopback:
                factory.UseKestrel();
                break;
        }

        factory.StartServer();
        return new App(setup, factory, transport, http, http2);
    }

    private static async Task SequentialAsync(HttpClient client, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            await client.GetStringAsync("/hello", cancellationToken);
        }
    }

    private static Task ConcurrentAsync(HttpClient client, int count, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => SequentialAsync(client, count / Concurrency, cancellationToken)));

    private static string Label(Setup setup) => setup switch
    {
        Setup.TestServer => "TestServer",
        Setup.Loopback => "UseKestrel() on loopback sockets",
        _ => "UseKestrel() in memory",
    };

    private readonly record struct Phases(double Start, double FirstGet, double Dispose)
    {
        public double Total => Start + FirstGet + Dispose;
    }

    private sealed class App(Setup setup, WebApplicationFactory<HttpApp.Program> factory, InMemoryTransport transport, int http, int http2) : IAsyncDisposable
    {
        // HTTP/1.1 on the Http1 endpoint; h2c with prior knowledge on the Http2-only one.
        public HttpClient Client(Version version)
        {
            var h2c = version == HttpVersion.Version20;
            var address = new Uri($"http://localhost:{(h2c ? http2 : http)}/");
            var client = setup switch
            {
                Setup.TestServer => factory.CreateClient(),
                Setup.InMemory => transport.CreateClient(address),
                _ => new HttpClient(new SocketsHttpHandler()) { BaseAddress = address },
            };
            client.DefaultRequestVersion = version;
            client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
            return client;
        }

        public ValueTask DisposeAsync() => factory.DisposeAsync();
    }
}
