using System.Diagnostics;
using System.Globalization;
using System.Net;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

using Yarp.ReverseProxy.Forwarder;

using static KestrelOneShot.Bench.Samples;

namespace KestrelOneShot.Bench;

/// <summary>
/// samples/System (a YARP gateway, Orders, Billing) in memory by name against the same three apps
/// on loopback sockets, and in memory joined by hand (the glue a test wrote before names: a port
/// each on one 127.0.0.1, every primary handler and YARP's forwarder swapped by hand), so that what
/// the network's API costs over that glue is measured too. Per test: start the three, one
/// POST /orders/{id} through the gateway (Orders, then Billing through a typed client and a gRPC
/// client), dispose. Per request through the gateway, sequential and 16 concurrent, HTTP/1.1 and h2c
/// from the client: GET /orders/{id} (gateway, Orders, Billing through the typed client: the
/// hand-built system's shape the issue measured) and POST /orders/{id} (the whole order). Every
/// round runs every setup, in an order that rotates from round to round; medians over the rounds.
/// </summary>
internal static class SystemComparison
{
    private const int Concurrency = 16;

    private enum Setup
    {
        Loopback,
        InMemory,
        InMemoryByHand,
    }

    private static readonly (string Name, HttpMethod Method)[] Requests = [("GET", HttpMethod.Get), ("POST", HttpMethod.Post)];

    public static async Task<int> RunAsync(BenchArguments args)
    {
        var rounds = args.Int("rounds", 10);
        var starts = args.Int("starts", 10);
        var requests = args.Int("requests", 2000);
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(args.Int("minutes", 15)));
        var startSamples = new Dictionary<Setup, List<Phases>>();
        var rateSamples = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        Setup[] setups = [Setup.InMemory, Setup.Loopback, Setup.InMemoryByHand];

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

            var runs = setups.SelectMany(setup => new[] { HttpVersion.Version11, HttpVersion.Version20 }.Select(version => (setup, version))).ToArray();
            foreach (var (setup, version) in Rotate(runs, round))
            {
                await using var system = SampleSystem.Start(setup);
                using var client = system.Client(version);
                foreach (var (request, method) in Requests)
                {
                    await WarmUpAsync(async () => { await SequentialAsync(client, method, 200, bound.Token); await ConcurrentAsync(client, method, 400, bound.Token); }, bound.Token);
                    var name = $"{request} {Protocol(version)} {setup}";
                    Add(rateSamples, $"{name} sequential", requests / await TimeAsync(() => SequentialAsync(client, method, requests, bound.Token)));
                    Add(rateSamples, $"{name} {Concurrency} concurrent", requests / await TimeAsync(() => ConcurrentAsync(client, method, requests, bound.Token)));
                }
            }
        }

        Console.WriteLine($"Per test: start samples/System's three apps (WebApplicationFactory each), one POST /orders/{{id}} through the gateway, dispose; {starts} per setup per round, {rounds} rounds, medians in ms.");
        Console.WriteLine();
        Console.WriteLine("| Setup | Start (Billing, Orders, Gateway) | First order | Dispose | Total | × loopback |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        var loopback = Median(startSamples[Setup.Loopback].Select(p => p.Total));
        foreach (var setup in new[] { Setup.Loopback, Setup.InMemory, Setup.InMemoryByHand })
        {
            var samples = startSamples[setup];
            var total = Median(samples.Select(p => p.Total));
            var each = string.Join(", ", Enumerable.Range(0, 3).Select(app => Median(samples.Select(p => p.Apps[app])).ToString("F2", CultureInfo.InvariantCulture)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {Label(setup)} | {Median(samples.Select(p => p.Start)):F2} ({each}) | {Median(samples.Select(p => p.FirstOrder)):F2} | {Median(samples.Select(p => p.Dispose)):F2} | {total:F2} | {total / loopback:F2} |"));
        }

        Console.WriteLine();
        Console.WriteLine($"Per request: {requests} requests through the gateway on one warm client, sequential and {Concurrency} at a time; GET /orders/{{id}} reaches Orders and Billing's HTTP API, POST /orders/{{id}} Orders and Billing twice (HTTP and gRPC) and the hub; {rounds} rounds, medians in requests/s.");
        Console.WriteLine();
        Console.WriteLine("| Requests | In memory, by name | In memory, glue by hand | Loopback sockets | by name ÷ loopback | by name ÷ by hand |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (request, _) in Requests)
        {
            foreach (var protocol in new[] { "HTTP/1.1", "h2c" })
            {
                foreach (var shape in new[] { "sequential", $"{Concurrency} concurrent" })
                {
                    double Rate(Setup setup) => Median(rateSamples[$"{request} {protocol} {setup} {shape}"]);
                    var (byName, byHand, sockets) = (Rate(Setup.InMemory), Rate(Setup.InMemoryByHand), Rate(Setup.Loopback));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {request} {protocol} {shape} | {byName:F0} | {byHand:F0} | {sockets:F0} | {byName / sockets:F2} | {byName / byHand:F2} |"));
                }
            }
        }

        return 0;
    }

    private static async Task<Phases> StartOnceAsync(Setup setup, CancellationToken cancellationToken)
    {
        CollectGarbage();
        var clock = Stopwatch.StartNew();
        await using var system = SampleSystem.Start(setup);
        var started = clock.Elapsed.TotalMilliseconds;
        var apps = system.StartTimes.ToArray();
        using (var client = system.Client(HttpVersion.Version11))
        {
            using var response = await client.PostAsync("orders/first", null, cancellationToken);
            response.EnsureSuccessStatusCode();
        }

        var answered = clock.Elapsed.TotalMilliseconds;
        await system.DisposeAsync();
        return new Phases(started, apps, answered - started, clock.Elapsed.TotalMilliseconds - answered);
    }

    private static async Task SequentialAsync(HttpClient client, HttpMethod method, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(method, "orders/o-1") { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy };
            using var response = await client.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
    }

    private static Task ConcurrentAsync(HttpClient client, HttpMethod method, int count, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => SequentialAsync(client, method, count / Concurrency, cancellationToken)));

    private static string Protocol(Version version) => version == HttpVersion.Version20 ? "h2c" : "HTTP/1.1";

    private static string Label(Setup setup) => setup switch
    {
        Setup.InMemory => "in memory, by name",
        Setup.InMemoryByHand => "in memory, glue by hand",
        _ => "loopback sockets, a port each",
    };

    /// <summary>Milliseconds: the three apps started (and each one's start), the first order, disposal.</summary>
    private readonly record struct Phases(double Start, double[] Apps, double FirstOrder, double Dispose)
    {
        public double Total => Start + FirstOrder + Dispose;
    }

    /// <summary>
    /// The three apps, started billing first: by name on one in-memory network; on loopback each on
    /// free ports, told the others' ports; or in memory joined by hand, a port each on one address.
    /// </summary>
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
                    .WithWebHostBuilder(web => web.ConfigureTestServices(services => services.AddSingleton<IForwarderHttpClientFactory>(new InMemoryForwarderHttpClientFactory(gateway.ConnectCallback))))
                    .WithInMemoryKestrel(gateway));
                _http = new Uri("http://gateway:8080/");
                _http2 = new Uri("http://gateway:8081/");
                return;
            }

            if (setup == Setup.InMemoryByHand)
            {
                _network = new InMemoryTransport();
                StartAll(5001, 5002, 5003, 5004, 5005, JoinedByHand(_network));
                _http = new Uri("http://127.0.0.1:5004/");
                _http2 = new Uri("http://127.0.0.1:5005/");
                return;
            }

            int billingHttp = FreePort(), billingGrpc = FreePort(), ordersHttp = FreePort(), gatewayHttp = FreePort(), gatewayHttp2 = FreePort();
            try
            {
                StartAll(billingHttp, billingGrpc, ordersHttp, gatewayHttp, gatewayHttp2, static _ => { });
            }
            catch
            {
                DisposeAsync().AsTask().GetAwaiter().GetResult();
                throw;
            }

            _http = new Uri($"http://127.0.0.1:{gatewayHttp}/");
            _http2 = new Uri($"http://127.0.0.1:{gatewayHttp2}/");
        }

        /// <summary>Milliseconds each app took to start, in start order (Billing, Orders, Gateway).</summary>
        public List<double> StartTimes { get; } = [];

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

        /// <summary>
        /// What a test wrote before the network had names (the hand-built system): Kestrel on
        /// the transport by its listener factory, every IHttpClientFactory client's primary handler
        /// replaced, and YARP's forwarder given the connect callback taken from a handler.
        /// </summary>
        private static Action<IWebHostBuilder> JoinedByHand(InMemoryTransport network) => web =>
        {
            web.ConfigureTestServices(services =>
            {
                services.RemoveAll<IConnectionListenerFactory>();
                services.AddSingleton<IConnectionListenerFactory>(network);
                services.ConfigureHttpClientDefaults(client => client.ConfigurePrimaryHttpMessageHandler(() => network.CreateHandler()));
                services.AddSingleton<IForwarderHttpClientFactory>(new InMemoryForwarderHttpClientFactory(network.CreateHandler().ConnectCallback!));
            });
        };

        private void StartAll(int billingHttp, int billingGrpc, int ordersHttp, int gatewayHttp, int gatewayHttp2, Action<IWebHostBuilder> server)
        {
            Start<global::Billing.Program>(factory => Configure(factory, server, ("Ports:Http", billingHttp), ("Ports:Grpc", billingGrpc)));
            Start<global::Orders.Program>(factory => Configure(
                factory, server, ("Ports:Http", ordersHttp), ("Billing:Http", $"http://127.0.0.1:{billingHttp}/"), ("Billing:Grpc", $"http://127.0.0.1:{billingGrpc}/")));
            Start<global::Gateway.Program>(factory => Configure(
                factory, server, ("Ports:Http", gatewayHttp), ("Ports:Http2", gatewayHttp2), ("Services:Orders", $"http://127.0.0.1:{ordersHttp}/"), ("Services:Billing", $"http://127.0.0.1:{billingHttp}/")));
        }

        /// <summary>Kestrel (not TestServer) with <paramref name="settings"/>, and <paramref name="server"/>'s services.</summary>
        private static WebApplicationFactory<T> Configure<T>(WebApplicationFactory<T> factory, Action<IWebHostBuilder> server, params (string Key, object Value)[] settings)
            where T : class
        {
            var configured = factory.WithWebHostBuilder(web =>
            {
                foreach (var (key, value) in settings)
                {
                    web.UseSetting(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                }

                server(web);
            });
            configured.UseKestrel();
            return configured;
        }

        private void Start<T>(Func<WebApplicationFactory<T>, WebApplicationFactory<T>> configure)
            where T : class
        {
            var clock = Stopwatch.StartNew();
            var factory = configure(new WebApplicationFactory<T>().WithWebHostBuilder(web => web.UseSetting("Logging:LogLevel:Default", "Warning")));
            _apps.Add(factory);
            factory.StartServer();
            StartTimes.Add(clock.Elapsed.TotalMilliseconds);
        }
    }

    /// <summary>YARP's own client factory, connecting through the network (the transport README's recipe).</summary>
    private sealed class InMemoryForwarderHttpClientFactory(Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> connect) : ForwarderHttpClientFactory
    {
        protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
        {
            base.ConfigureHandler(context, handler);
            handler.ConnectCallback = connect;
        }
    }
}
