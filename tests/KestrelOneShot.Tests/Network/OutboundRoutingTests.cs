using System.Net;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace KestrelOneShot.Tests.Network;

/// <summary>
/// An app's IHttpClientFactory clients on the network: each keeps the primary handler's settings the
/// app gave it, a handler of the test's own is left alone, and what cannot be carried says so.
/// </summary>
public sealed class OutboundRoutingTests : IAsyncDisposable
{
    private readonly InMemoryTransport _network = new();
    private WebApplication? _web;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AClientKeepsItsHandlersSettingsAndConnectsFromItsAppsAddress()
    {
        var caller = _network.AddHost("caller");
        using var clients = await CallerClientsAsync(caller, services =>
        {
            services.AddHttpClient("default");
            services.AddHttpClient("no-redirects").ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { AllowAutoRedirect = false });
            services.AddHttpClient("sockets-no-redirects").ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        });
        var factory = clients.GetRequiredService<IHttpClientFactory>();

        Assert.Equal(caller.Address.ToString(), await factory.CreateClient("default").GetStringAsync("http://web:8080/target", Cancellation).Within());
        Assert.Equal(caller.Address.ToString(), await factory.CreateClient("default").GetStringAsync("http://web:8080/redirect", Cancellation).Within());
        foreach (var name in new[] { "no-redirects", "sockets-no-redirects" })
        {
            using var response = await factory.CreateClient(name).GetAsync("http://web:8080/redirect", Cancellation).Within();
            Assert.Equal((name, HttpStatusCode.Redirect), (name, response.StatusCode));
        }
    }

    [Fact]
    public async Task AHandlerOfTheTestsOwnIsLeftAloneAndACertificateCallbackThatCannotBeCarriedSaysSo()
    {
        using var clients = await CallerClientsAsync(_network.AddHost("caller"), services =>
        {
            services.AddHttpClient("stub").ConfigurePrimaryHttpMessageHandler(() => new Stub());
            services.AddHttpClient("validating").ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        });
        var factory = clients.GetRequiredService<IHttpClientFactory>();

        Assert.Equal("stub", await factory.CreateClient("stub").GetStringAsync("http://web:8080/target", Cancellation).Within());
        var refused = Assert.Throws<InvalidOperationException>(() => factory.CreateClient("validating"));
        Assert.StartsWith("The HttpClient 'validating' validates certificates with HttpClientHandler.ServerCertificateCustomValidationCallback", refused.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_web is not null)
        {
            await _web.DisposeAsync();
        }
    }

    /// <summary>"web" on the network (/target answers the caller's address, /redirect sends there), and the caller's clients.</summary>
    private async Task<ServiceProvider> CallerClientsAsync(InMemoryHost caller, Action<IServiceCollection> clients)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://*:8080");
        builder.Services.AddInMemoryTransport(_network.AddHost("web"));
        _web = builder.Build();
        _web.MapGet("/target", (HttpContext context) => context.Connection.RemoteIpAddress?.ToString());
        _web.MapGet("/redirect", () => Results.Redirect("/target"));
        await _web.StartAsync(Cancellation).Within();

        var services = new ServiceCollection().AddInMemoryTransport(caller);
        clients(services);
        return services.BuildServiceProvider();
    }

    private sealed class Stub : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("stub") });
    }
}
