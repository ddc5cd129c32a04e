// README.md and the Testing package's README quote this file from "README example begins" to "README example ends": keep them in step.
// README example begins
using System.Text;

using KestrelOneShot.Testing.Hosting;

namespace MyProduct.Tests;

public sealed class OneShotInMemoryExample
{
    [Fact]
    public async Task AnswersTheTutorialExchangeWithoutASocket()
    {
        var cancellation = TestContext.Current.CancellationToken;
        await using var server = await InMemoryOneShotServer.StartAsync(["--max-bytes", "50"], cancellation);
        await using var client = await server.ConnectAsync(cancellationToken: cancellation);

        // The client's end of the connection is a pair of pipes (or a Stream: client.AsStream()).
        await client.Transport.Output.WriteAsync("Who is there?\r\n"u8.ToArray(), cancellation);
        var answer = await client.Transport.Input.ReadAtLeastAsync(20, cancellation);
        var run = await server.Completion.WaitAsync(TimeSpan.FromSeconds(10), cancellation);

        Assert.Equal("Good talking to you\n", Encoding.UTF8.GetString(answer.Buffer));
        Assert.Equal("Who is there?", run.Message);
        Assert.Equal(0, run.ExitCode);
    }
}
// README example ends
