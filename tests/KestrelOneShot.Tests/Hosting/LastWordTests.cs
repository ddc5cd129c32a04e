using KestrelOneShot.Hosting;

namespace KestrelOneShot.Tests.Hosting;

public sealed class LastWordTests
{
    [Fact]
    public async Task AFailureWhileDescribingAFailureIsStillOneLineAndExitOne()
    {
        var stderr = new StringWriter();
        var setup = new OneShotHostSetup
        {
            Out = new StringWriter(),
            Error = stderr,
            ConfigureBuilder = _ => throw new UnspeakableException(),
        };

        var exitCode = await OneShotHost.RunAsync([], setup, TestContext.Current.CancellationToken).Within();

        Assert.Equal(1, exitCode);
        var line = Assert.Single(stderr.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("error: unexpected failure: FileNotFoundException", line);
    }

    [Fact]
    public async Task HelpWhoseReaderStoppedEarlyIsStillExitZeroWithNoErrorLine()
    {
        var stderr = new StringWriter();
        var setup = new OneShotHostSetup { Out = new BrokenPipeWriter(), Error = stderr };

        var exitCode = await OneShotHost.RunAsync(["--help"], setup, TestContext.Current.CancellationToken).Within();

        Assert.Equal(0, exitCode);
        Assert.Empty(stderr.ToString());
    }

    /// <summary>Standard output piped into `head -1` once head has exited: every write is EPIPE.</summary>
    private sealed class BrokenPipeWriter : StringWriter
    {
        public override void Write(char value) => throw new IOException("Broken pipe");

        public override void Write(string? value) => throw new IOException("Broken pipe");

        public override Task WriteAsync(string? value) => throw new IOException("Broken pipe");

        public override Task FlushAsync(CancellationToken cancellationToken) => throw new IOException("Broken pipe");
    }

    /// <summary>Fails again when asked what went wrong, as an exception does whose message needs an assembly that cannot be loaded.</summary>
    private sealed class UnspeakableException : Exception
    {
        public override string Message => throw new FileNotFoundException("no descriptor left to load the resources with");
    }
}
