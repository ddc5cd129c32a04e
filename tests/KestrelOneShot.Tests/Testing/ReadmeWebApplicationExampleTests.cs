// The InMemory package's README quotes this file from "README example begins" to "README example ends": keep them in step.
// README example begins
using System.Net;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MyApp.Tests;

public sealed class WebApplicationInMemoryExample
{
    [Fact]
    public async Task AWebApplicationBuiltInTheTestServesHttp2InCleartext()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var transport = new InMemoryTransport();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.ListenLocalhost(5000, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddInMemoryTransport(transport); // after Kestrel's own registrations
        await using var app = builder.Build();
        app.MapGet("/protocol", (HttpContext http) => http.Request.Protocol);
        await app.StartAsync(cancellation);

        using var client = transport.CreateClient(new Uri("http://localhost:5000"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/protocol")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact, // HTTP/2 with prior knowledge (h2c)
        };
        using var response = await client.SendAsync(request, cancellation);

        Assert.Equal("HTTP/2", await response.Content.ReadAsStringAsync(cancellation));
        await app.StopAsync(cancellation);
    }
}
// README example ends
