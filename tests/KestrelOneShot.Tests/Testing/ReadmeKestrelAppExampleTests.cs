// The InMemory package's README quotes this file from "README example begins" to "README example ends": keep them in step.
// README example begins
using System.Net;
using System.Text;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace MyApp.Tests;

public sealed class LineProtocolInMemoryExample
{
    [Fact]
    public async Task TheConnectionHandlerAnswersThroughKestrelWithNoSocket()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var transport = new InMemoryTransport();
        // The app's own Program: a WebApplication that listens on localhost:5123 with its handler.
        await using var factory = new WebApplicationFactory<Program>()
            .WithWebHostBuilder(web => web.ConfigureTestServices(services => services.AddInMemoryTransport(transport)));
        factory.UseKestrel(); // Kestrel itself, not TestServer: TestServer never runs a ConnectionHandler.
        factory.StartServer();

        await using var client = await transport.ConnectInMemoryAsync(new IPEndPoint(IPAddress.Loopback, 5123), cancellation);
        await client.Transport.Output.WriteAsync("hello\n"u8.ToArray(), cancellation);
        var answer = await client.Transport.Input.ReadAtLeastAsync(6, cancellation);

        Assert.Equal("HELLO\n", Encoding.UTF8.GetString(answer.Buffer));
    }
}
// README example ends
