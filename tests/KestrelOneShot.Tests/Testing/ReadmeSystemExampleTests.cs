// The InMemory package's README quotes this file from "README example begins" to "README example ends": keep them in step.
// README example begins
using System.Net;
using System.Net.Http.Json;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Time.Testing;

using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace MyApp.Tests;

public sealed class SystemInMemoryExample
{
    [Fact]
    public async Task AGatewayReachesOrdersWhichCallsBillingByNameAndThePolicyRidesOutAPartition()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var network = new InMemoryTransport();
        var time = new FakeTimeProvider();
        var billingHost = network.AddHost("billing");
        var ordersHost = network.AddHost("orders");
        var gatewayHost = network.AddHost("gateway");

        await using var billing = App(billingHost, _ => { }, app => app.MapGet("/prices/{id}", (string id) => new Price(id, 42)));
        await using var orders = App(ordersHost, services =>
        {
            services.AddSingleton<TimeProvider>(time); // the policies' clock
            services.AddHttpClient<BillingClient>(client => client.BaseAddress = new Uri("http://billing:8080/"))
                .AddStandardResilienceHandler(options =>
                {
                    options.Retry.Delay = TimeSpan.Zero; // retry at once: nothing to wait for
                    options.CircuitBreaker.MinimumThroughput = 2;
                });
        }, app => app.MapGet("/orders/{id}", (string id, BillingClient billing) => billing.PriceAsync(id)));
        await using var gateway = App(gatewayHost, services => services
            .AddSingleton<IForwarderHttpClientFactory>(new InMemoryForwarderFactory(gatewayHost))
            .AddReverseProxy().LoadFromMemory(
                [new RouteConfig { RouteId = "orders", ClusterId = "orders", Match = new RouteMatch { Path = "/orders/{**rest}" } }],
                [new ClusterConfig { ClusterId = "orders", Destinations = new Dictionary<string, DestinationConfig> { ["orders"] = new() { Address = "http://orders:8080/" } } }]),
            app => app.MapReverseProxy());
        foreach (var app in new[] { billing, orders, gateway })
        {
            await app.StartAsync(cancellation);
        }

        // Orders cannot reach Billing: both attempts of its call are refused, and the circuit opens.
        var link = network.Link(ordersHost, billingHost);
        link.RefusesConnections = true;
        using var client = network.CreateClient(new Uri("http://gateway:8080/"));
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync("orders/2", cancellation)).StatusCode);
        link.Heal();
        // Healed, but the circuit stays open until its break has passed on the policies' clock.
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync("orders/3", cancellation)).StatusCode);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(42, (await client.GetFromJsonAsync<Price>("orders/4", cancellation))!.Amount);
    }

    /// <summary>An app of the system: on 8080, under its host's name.</summary>
    private static WebApplication App(InMemoryHost host, Action<IServiceCollection> services, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://*:8080");
        builder.Services.AddInMemoryTransport(host);
        services(builder.Services);
        var app = builder.Build();
        map(app);
        return app;
    }

    public sealed record Price(string Id, int Amount);

    public sealed class BillingClient(HttpClient http)
    {
        public async Task<Price> PriceAsync(string id) => (await http.GetFromJsonAsync<Price>($"prices/{id}"))!;
    }

    /// <summary>YARP's own client factory (its handler settings kept), connecting through the network.</summary>
    private sealed class InMemoryForwarderFactory(InMemoryHost host) : ForwarderHttpClientFactory
    {
        protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
        {
            base.ConfigureHandler(context, handler);
            handler.ConnectCallback = host.ConnectCallback;
        }
    }
}
// README example ends
