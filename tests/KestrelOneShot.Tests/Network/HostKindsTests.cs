using System.Net.Http.Json;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KestrelOneShot.Tests.Network;

/// <summary>
/// Apps that join a network by name without WebApplicationFactory: a WebApplication built in the
/// test and a generic host, both on port 8080 as a container image's ASPNETCORE_HTTP_PORTS would
/// have them, each seeing the addresses the other end would on such a network.
/// </summary>
public sealed class HostKindsTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AWebApplicationAndAGenericHostShare8080UnderTheirNamesAndCallEachOther()
    {
        var network = new InMemoryTransport();

        var webBuilder = WebApplication.CreateSlimBuilder();
        webBuilder.WebHost.UseUrls("http://*:8080");
        webBuilder.Services.AddInMemoryTransport(network.AddHost("web"));
        webBuilder.Services.AddHttpClient();
        await using var web = webBuilder.Build();
        web.MapGet("/", (HttpContext context) => Seen.By(context));
        web.MapGet("/call/{name}", async (string name, IHttpClientFactory clients) =>
            await clients.CreateClient().GetFromJsonAsync<Seen>($"http://{name}:8080/", Cancellation));

        using var generic = Host.CreateDefaultBuilder()
            .ConfigureWebHostDefaults(host => host
                .UseUrls("http://localhost:8080")
                .ConfigureServices(services => services.AddInMemoryTransport(network.AddHost("generic")).AddRouting())
                .Configure(app => app.UseRouting().UseEndpoints(endpoints => endpoints.MapGet("/", (HttpContext context) => Seen.By(context)))))
            .Build();

        await web.StartAsync(Cancellation).Within();
        await generic.StartAsync(Cancellation).Within();
        using var client = network.CreateClient(new Uri("http://web:8080/"));

        var fromTest = await client.GetFromJsonAsync<Seen>("/", Cancellation).Within();
        var webToGeneric = await client.GetFromJsonAsync<Seen>("/call/generic", Cancellation).Within();
        var webToItself = await client.GetFromJsonAsync<Seen>("/call/localhost", Cancellation).Within();

        Assert.Equal(new Seen("127.0.0.2:8080", "127.0.0.1"), fromTest);
        Assert.Equal(new Seen("127.0.0.3:8080", "127.0.0.2"), webToGeneric);
        // Inside an app, localhost is the app itself, as in a container.
        Assert.Equal(new Seen("127.0.0.2:8080", "127.0.0.2"), webToItself);
        await generic.StopAsync(Cancellation).Within();
        await web.StopAsync(Cancellation).Within();
    }

    [Fact]
    public void ANameIsTakenOnceAndNeverLocalhostOrAnAddress()
    {
        var network = new InMemoryTransport();
        network.AddHost("orders", "orders.internal");

        Assert.Equal("'ORDERS.internal' already names orders (127.0.0.2) in this in-memory network. (Parameter 'name')", Assert.Throws<ArgumentException>(() => network.AddHost("billing", "ORDERS.internal")).Message);
        Assert.Throws<ArgumentException>(() => network.AddHost("localhost"));
        Assert.Throws<ArgumentException>(() => network.AddHost("10.0.0.1"));
        Assert.Equal(["orders"], network.Hosts.Select(host => host.Name));
    }

    /// <summary>The server's own endpoint and the client's address, as the server saw them.</summary>
    public sealed record Seen(string Local, string Remote)
    {
        public static Seen By(HttpContext context) =>
            new($"{context.Connection.LocalIpAddress}:{context.Connection.LocalPort}", context.Connection.RemoteIpAddress?.ToString() ?? "");
    }
}
