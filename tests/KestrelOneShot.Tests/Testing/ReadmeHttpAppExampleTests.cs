// The InMemory package's README quotes this file from "README example begins" to "README example ends": keep them in step.
// README example begins
using System.Net;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Mvc.Testing;

namespace MyApp.Tests;

public sealed class HttpAppInMemoryExample
{
    [Fact]
    public async Task TheAppAnswersThroughItsRealKestrelWithNoSocket()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var transport = new InMemoryTransport();
        // The app's own Program: a WebApplication whose Kestrel listens on localhost:5080 and :5081.
        await using var factory = new WebApplicationFactory<HttpApp.Program>().WithInMemoryKestrel(transport);
        using var client = factory.CreateInMemoryKestrelClient(); // the first address Kestrel bound

        var hello = await client.GetStringAsync("/hello", cancellation);
        var connection = await client.GetStringAsync("/connection", cancellation);

        Assert.Equal("hello", hello);
        Assert.StartsWith("HTTP/1.1 http remote=127.0.0.1:", connection, StringComparison.Ordinal);
        Assert.Contains(new IPEndPoint(IPAddress.Loopback, 5080), transport.BoundEndPoints);
    }
}
// README example ends
