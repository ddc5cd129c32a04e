using System.Diagnostics;
using System.Globalization;
using System.Net;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

using Yarp.ReverseProxy.Forwarder;

using static KestrelOneShot.Bench.Samples;

namespace KestrelOneShot.Bench;

/// <summary>
/// samples/System (a YARP gateway, Orders, Billing) in memory by name against the same three apps
/// on loopback sockets: per test (start the three, one POST /orders/{id} through the gateway, which
/// reaches Orders and, through a typed client and a gRPC client, Billing; dispose) and per request
/// through the gateway (sequential and 16 concurrent, HTTP/1.1 and h2c from the client). Every round
/// runs every setup, in an order that rotates from round to round; medians over the rounds.
/// </summary>
internal static class SystemComparison
{
    private const int Concurrency = 16;

    private enum Setup
    {
        Loopback,
        InMemory,
    }

    public static async Task<int> RunAsync(BenchArguments args)
    {
        var rounds = args.Int("rounds", 10);
        var starts = args.Int("starts", 10);
        var requests = args.Int("requests", 2000);
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(args.Int("minutes", 15)));
        var startSamples = new Dictionary<Setup, List<Phases>>();
        var rateSamples = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        Setup[] setups = [Setup.InMemory, Setup.Loopback];

        foreach (var setup in setups)
        {
            await StartOnceAsync(setup, bound.Token); // JIT and first-use costs belong to no setup
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
                await using var system = SampleSystem.Start(setup);
                using var client = system.Client(version);
                await SequentialAsync(client, 200, bound.Token);
                var name = $"{(version == HttpVersion.Version20 ? "h2c" : "HTTP/1.1")} {setup}";
                Add(rateSamples, $"{name} sequential", requests / await TimeAsync(() => SequentialAsync(client, requests, bound.Token)));
                Add(rateSamples, $"{name} {Concurrency} concurrent", requests / await TimeAsync(() => ConcurrentAsync(client, requests, bound.Token)));
            }
        }

        Console.WriteLine($"Per test: start samples/System's three apps (WebApplicationFactory each), one POST /orders/{{id}} through the gateway, dispose; {starts} per setup per round, {rounds} rounds, medians in ms.");
        Console.WriteLine();
        Console.WriteLine("| Setup | Start | First order | Dispose | Total | × loopback |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        var loopback = Median(startSamples[Setup.Loopback].Select(p => p.Total));
        foreach (var setup in new[] { Setup.Loopback, Setup.InMemory })
        {
            var samples = startSamples[setup];
            var total = Median(samples.Select(p => p.Total));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {Label(setup)} | {Median(samples.Select(p => p.Start)):F2} | {Median(samples.Select(p => p.FirstOrder)):F2} | {Median(samples.Select(p => p.Dispose)):F2} | {total:F2} | {total / loopback:F2} |"));
        }

        Console.WriteLine();
        Console.WriteLine($"Per request: {requests} POST /orders/{{id}} through the gateway on one warm client (each reaches Orders and Billing twice), sequential and {Concurrency} at a time; {rounds} rounds, medians in requests/s.");
        Console.WriteLine();
        Console.WriteLine("| Requests | In memory | Loopback sockets | In memory ÷ loopback |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var protocol in new[] { "HTTP/1.1", "h2c" })
        {
            foreach (var shape in new[] { "sequential", $"{Concurrency} concurrent" })
            {
                var inMemory = Median(rateSamples[$"{protocol} {Setup.InMemory} {shape}"]);
                var sockets = Median(rateSamples[$"{protocol} {Setup.Loopback} {shape}"]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {protocol} {shape} | {inMemory:F0} | {sockets:F0} | {inMemory / sockets:F2} |"));
            }
        }

        return 0;
    }

    private static async Task<Phases> StartOnceAsync(Setup setup, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var system = SampleSystem.Start(setup);
        var started = clock.Elapsed.TotalMilliseconds;
        using (var client = system.Client(HttpVersion.Version11))
        {
            using var response = await client.PostAsync("orders/first", null, cancellationToken);
            response.EnsureSuccessStatusCode();
        }

        var answered = clock.Elapsed.TotalMilliseconds;
        await system.DisposeAsync();
        return new Phases(started, answered - started, clock.Elapsed.TotalMilliseconds - answered);
    }

    private static async Task SequentialAsync(HttpClient client, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            using var response = await client.PostAsync("orders/o-1", null, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
    }

    private static Task ConcurrentAsync(HttpClient client, int count, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => SequentialAsync(client, count / Concurrency, cancellationToken)));

    private static string Label(Setup setup) => setup == Setup.InMemory ? "in memory, by name" : "loopback sockets, a port each";

    private readonly record struct Phases(double Start, double FirstOrder, double Dispose)
    {
        public double Total => Start + FirstOrder + Dispose;
    }

    /// <summary>The three apps, started billing first; on loopback each on free ports, told the others' ports.</summary>
    private sealed class SampleSystem : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _apps = [];
        private readonly InMemoryTransport? _network;
        private readonly Uri _http;
        private readonly Uri _http2;

        private SampleSystem(Setup setup)
        {
            if (setup == Setup.InMemory)
            {
                _network = new InMemoryTransport();
                var gateway = _network.AddHost("gateway");
                Start<global::Billing.Program>(factory => factory.WithInMemoryKestrel(_network.AddHost("billing")));
                Start<global::Orders.Program>(factory => factory.WithInMemoryKestrel(_network.AddHost("orders")));
                Start<global::Gateway.Program>(factory => factory
                    .WithWebHostBuilder(web => web.ConfigureTestServices(services => services.AddSingleton<IForwarderHttpClientFactory>(new InMemoryForwarderHttpClientFactory(gateway))))
                    .WithInMemoryKestrel(gateway));
                _http = new Uri("http://gateway:8080/");
                _http2 = new Uri("http://gateway:8081/");
                return;
            }

            int billingHttp = FreePort(), billingGrpc = FreePort(), ordersHttp = FreePort(), gatewayHttp = FreePort(), gatewayHttp2 = FreePort();
            try
            {
                StartOnLoopback(billingHttp, billingGrpc, ordersHttp, gatewayHttp, gatewayHttp2);
            }
            catch
            {
                DisposeAsync().AsTask().GetAwaiter().GetResult();
                throw;
            }

            _http = new Uri($"http://127.0.0.1:{gatewayHttp}/");
            _http2 = new Uri($"http://127.0.0.1:{gatewayHttp2}/");
        }

        private void StartOnLoopback(int billingHttp, int billingGrpc, int ordersHttp, int gatewayHttp, int gatewayHttp2)
        {
            Start<global::Billing.Program>(factory => Kestrel(factory, ("Ports:Http", billingHttp), ("Ports:Grpc", billingGrpc)));
            Start<global::Orders.Program>(factory => Kestrel(
                factory, ("Ports:Http", ordersHttp), ("Billing:Http", $"http://127.0.0.1:{billingHttp}/"), ("Billing:Grpc", $"http://127.0.0.1:{billingGrpc}/")));
            Start<global::Gateway.Program>(factory => Kestrel(
                factory, ("Ports:Http", gatewayHttp), ("Ports:Http2", gatewayHttp2), ("Services:Orders", $"http://127.0.0.1:{ordersHttp}/"), ("Services:Billing", $"http://127.0.0.1:{billingHttp}/")));
        }

        /// <summary>
        /// On loopback a free port can be taken between finding it and binding it (the benchmark's own
        /// connections use the same ephemeral range): such a start is made again, on other ports.
        /// </summary>
        public static SampleSystem Start(Setup setup)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return new(setup);
                }
                catch (IOException inUse) when (inUse.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException && attempt < 5)
                {
                }
            }
        }

        public HttpClient Client(Version version)
        {
            var h2c = version == HttpVersion.Version20;
            return new HttpClient(_network?.CreateHandler() ?? new SocketsHttpHandler())
            {
                BaseAddress = h2c ? _http2 : _http,
                DefaultRequestVersion = version,
                DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var app in Enumerable.Reverse(_apps))
            {
                await app.DisposeAsync();
            }

            _apps.Clear();
        }

        private static WebApplicationFactory<T> Kestrel<T>(WebApplicationFactory<T> factory, params (string Key, object Value)[] settings)
            where T : class
        {
            var configured = factory.WithWebHostBuilder(web =>
            {
                foreach (var (key, value) in settings)
                {
                    web.UseSetting(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                }
            });
            configured.UseKestrel();
            return configured;
        }

        private void Start<T>(Func<WebApplicationFactory<T>, WebApplicationFactory<T>> configure)
            where T : class
        {
            var factory = configure(new WebApplicationFactory<T>().WithWebHostBuilder(web => web.UseSetting("Logging:LogLevel:Default", "Warning")));
            _apps.Add(factory);
            factory.StartServer();
        }
    }

    /// <summary>YARP's own client factory, connecting through the network (the transport README's recipe).</summary>
    private sealed class InMemoryForwarderHttpClientFactory(InMemoryHost host) : ForwarderHttpClientFactory
    {
        protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
        {
            base.ConfigureHandler(context, handler);
            handler.ConnectCallback = host.ConnectCallback;
        }
    }
}
