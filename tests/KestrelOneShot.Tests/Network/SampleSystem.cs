using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

using Yarp.ReverseProxy.Forwarder;

namespace KestrelOneShot.Tests.Network;

/// <summary>
/// The three apps of samples/System on one in-memory network, each under its name and on its own
/// ports (all 8080): each through <see cref="WebApplicationFactory{TEntryPoint}"/>, as a user tests them.
/// </summary>
internal sealed class SampleSystem : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _apps = [];
    private readonly Dictionary<string, IServiceProvider> _services = [];

    private SampleSystem(InMemoryTransport network, Action<string, IServiceCollection>? configure)
    {
        Network = network;
        Gateway = network.AddHost("gateway");
        Orders = network.AddHost("orders");
        Billing = network.AddHost("billing", "billing.internal");
        Start<Billing.Program>(Billing, services => configure?.Invoke("billing", services));
        Start<Orders.Program>(Orders, services => configure?.Invoke("orders", services));
        // YARP's forwarder does not use IHttpClientFactory: its own factory, with the network's connect.
        Start<Gateway.Program>(Gateway, services =>
        {
            services.AddSingleton<IForwarderHttpClientFactory>(new InMemoryForwarderHttpClientFactory(Gateway.ConnectCallback));
            configure?.Invoke("gateway", services);
        });
    }

    public InMemoryTransport Network { get; }

    public InMemoryHost Gateway { get; }

    public InMemoryHost Orders { get; }

    public InMemoryHost Billing { get; }

    /// <summary>Starts the three apps; <paramref name="configure"/> adds test services to the app it names.</summary>
    public static Task<SampleSystem> StartAsync(Action<string, IServiceCollection>? configure = null, InMemoryTransport? network = null) =>
        // WebApplicationFactory starts a host synchronously: off the test's thread, and bounded.
        Task.Run(() => new SampleSystem(network ?? new InMemoryTransport(), configure)).Within();

    /// <summary>A client from the test (this machine) to the gateway, by name.</summary>
    public HttpClient CreateClient() => Network.CreateClient(new Uri($"http://gateway:{(global::Gateway.Program.HttpPort)}/"));

    /// <summary>The app's services.</summary>
    public IServiceProvider ServicesOf(InMemoryHost host) => _services[host.Name];

    /// <summary>What the app's Kestrel says it listens on (<see cref="IServerAddressesFeature"/>).</summary>
    public IEnumerable<string> AddressesOf(InMemoryHost host) =>
        ServicesOf(host).GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;

    public async ValueTask DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(_apps))
        {
            // The factory stops its host synchronously: off the test's thread, and bounded.
            await Task.Run(async () => await app.DisposeAsync()).WaitAsync(Bounded.Timeout, CancellationToken.None);
        }
    }

    private void Start<TEntryPoint>(InMemoryHost host, Action<IServiceCollection> services)
        where TEntryPoint : class
    {
        var factory = new WebApplicationFactory<TEntryPoint>()
            .WithWebHostBuilder(web => web.UseEnvironment("Development").ConfigureTestServices(services))
            .WithInMemoryKestrel(host);
        _apps.Add(factory);
        factory.StartServer();
        _services.Add(host.Name, factory.Services);
    }
}
