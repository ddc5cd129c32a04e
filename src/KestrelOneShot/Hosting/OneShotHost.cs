using KestrelOneShot.Configuration;
using KestrelOneShot.ConnectionHandling;
using KestrelOneShot.Expectations;
using KestrelOneShot.Http;
using KestrelOneShot.Logging;
using KestrelOneShot.NativeAot;
using KestrelOneShot.Output;
using KestrelOneShot.Reporting;
using KestrelOneShot.Run;
using KestrelOneShot.Tls;
using KestrelOneShot.Transports;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Hosting;

/// <summary>
/// The composition root. The program and the tests (real sockets or in memory) build the same host
/// here and run it with <see cref="RunAsync(string[], OneShotHostSetup, CancellationToken)"/>;
/// nothing is wired anywhere else.
/// </summary>
public static class OneShotHost
{
    /// <summary>How many message lines may wait for stdout before a served connection waits for room.</summary>
    private const int StdoutQueue = 1024;

    /// <summary>How many log lines may wait for stderr before further ones are dropped (and counted).</summary>
    private const int StderrQueue = 4096;

    /// <summary>How long the exit waits for a stderr that does not move.</summary>
    private static readonly TimeSpan StderrExitBound = TimeSpan.FromSeconds(2);

    // Defaults that configuration (appsettings, environment, command line) may override.
    private static readonly Dictionary<string, string?> ConfigurationDefaults = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        // The host logs a failed start with its stack trace; RunAsync reports it in one line instead.
        ["Logging:LogLevel:Microsoft.Extensions.Hosting.Internal.Host"] = "Critical",
    };

    /// <summary>
    /// Builds the host for the given arguments, which <see cref="CommandLineSwitches.Inspect"/> has
    /// accepted. The message line goes to <paramref name="stdout"/>, log entries to <paramref name="logging"/>.
    /// </summary>
    internal static HostApplicationBuilder CreateBuilder(string[] args, QueuedLineWriter stdout, ILoggerProvider logging)
    {
        // ASP.NET Core's configuration sources, in its order, built here rather than by the host's
        // defaults: the code's defaults first, no file watching (a one-shot never reloads), no user
        // secrets, no default logging providers, ASPNETCORE_ variables as in a web host.
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(ConfigurationDefaults);
        configuration.AddEnvironmentVariables("ASPNETCORE_").AddEnvironmentVariables("DOTNET_").AddCommandLine(args);

        // The generic host, not the web host: Kestrel runs below as a plain hosted service (see
        // KestrelServerService). No Args here: the empty builder would add the command line a second time.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            Configuration = configuration,
            ContentRootPath = configuration[HostDefaults.ContentRootKey] ?? Directory.GetCurrentDirectory(),
        });

        configuration.SetBasePath(builder.Environment.ContentRootPath)
            .AddJsonFile("appsettings.json", optional: true, reloadOnChange: false)
            .AddJsonFile($"appsettings.{builder.Environment.EnvironmentName}.json", optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .AddCommandLine(args, CommandLineSwitches.Mappings.ToDictionary());
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        builder.Logging.AddProvider(logging);

        // Our services by factory, not by constructor: the container would reflect over each
        // constructor and call it through reflection, which Native AOT prepares at run time (docs/performance.md).
        var services = builder.Services;
        services.AddOneShotOptions();

        services.AddSingleton<IConfigureOptions<KestrelServerOptions>>(sp => new KestrelListenSetup(
            sp.GetRequiredService<IOptions<OneShotOptions>>(), sp.GetRequiredService<OneShotRun>(), sp, sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<ILogger<KestrelListenSetup>>()));
        services.AddSingleton<IConnectionListenerFactory>(sp => new SocketTransportFactory(
            sp.GetRequiredService<IOptions<SocketTransportOptions>>(), sp.GetRequiredService<ILoggerFactory>()));
        // What Kestrel's TLS middleware resolves; the IServer it registers is replaced just below.
        new ServiceCollectionWebHostBuilder(services).UseKestrelCore();
        services.AddSingleton(sp => new ListenFailureRecorder(ConnectionCapTransport.CapToDescriptors(
            sp.GetRequiredService<IConnectionListenerFactory>(), sp.GetRequiredService<ILoggerFactory>())));
        services.AddSingleton(sp => new HandoffTransport(sp.GetRequiredService<ListenFailureRecorder>()));
        services.AddSingleton<IServer>(sp => new KestrelServer(
            sp.GetRequiredService<IOptions<KestrelServerOptions>>(),
            sp.GetRequiredService<HandoffTransport>(),
            sp.GetRequiredService<ILoggerFactory>()));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(stdout);
        services.AddOneShotRun().AddOneShotConnectionHandler().AddOneShotHttp().AddTlsEndpointSetup();
        services.AddHostedService(sp => new ShutdownSignals(sp.GetRequiredService<OneShotRun>()));
        services.AddHostedService(sp => new WaitTimeoutService(
            sp.GetRequiredService<OneShotRun>(), sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<IOptions<OneShotOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<WaitTimeoutService>>()));
        services.AddHostedService(sp => new KestrelServerService(
            sp.GetRequiredService<IServer>(), sp.GetRequiredService<IHttpApplication<IFeatureCollection>>())); // Last: it starts first to stop.

        // The host's start-up validator would only activate the metrics subscription (the host
        // builder always adds metrics; no run has a listener for it, and the AOT binary is built
        // without metrics support). Our options are validated by RunOneShotAsync, which reads them
        // before the host starts.
        services.RemoveAll<IStartupValidator>();

        // The generic services every run resolves, named so that Native AOT compiles them (see there);
        // each feature's own are registered with its services above.
        services.AddClosedOptions<HostOptions>()
            .AddClosedOptions<ConsoleLifetimeOptions>()
            .AddClosedOptions<LoggerFactoryOptions>()
            .AddClosedOptionsMonitor<LoggerFilterOptions>()
            .AddClosedOptions<OneShotOptions>()
            .AddClosedOptions<KestrelServerOptions>()
            .AddClosedOptions<SocketTransportOptions>()
            .AddClosedLogger<ApplicationLifetime>()
            .AddClosedLogger<KestrelListenSetup>()
            .AddClosedLogger<WaitTimeoutService>();

        return builder;
    }

    /// <summary>The program: arguments in, exit code out, one line on stderr for every failure.</summary>
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default) =>
        RunAsync(args, OneShotHostSetup.Console, cancellationToken);

    /// <summary>
    /// The program against <paramref name="setup"/>'s writers and builder hooks. Whatever goes
    /// wrong, its last word is one <c>error:</c> line and a documented exit code.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, OneShotHostSetup setup, CancellationToken cancellationToken = default)
    {
        try
        {
            return await RunCheckedAsync(args, setup, cancellationToken);
        }
        catch (Exception ex)
        {
            // Even describing the failure failed (for example, no descriptor left to load an
            // assembly with): say as little as can still be said.
            return LastWord(setup, ExitCodes.UnexpectedFailure, $"unexpected failure: {ex.GetType().Name}");
        }
    }

    /// <summary>
    /// Starts the host, logs the ready line, waits until the run ends (served, wait timeout, signal)
    /// and stops; returns the exit code of the outcome.
    /// </summary>
    internal static async Task<int> RunOneShotAsync(this IHost app, CancellationToken cancellationToken = default)
    {
        _ = app.Services.GetRequiredService<IOptions<OneShotOptions>>().Value; // Invalid options end the run here (exit 2).
        await app.StartAsync(cancellationToken);
        var endpoints = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Where(address => !HandoffEndPoint.IsHandoffAddress(address))
            .Select(ReadyEndpoint)
            .ToArray();
        var run = app.Services.GetRequiredService<OneShotRun>();
        run.MarkReady(endpoints);
        HostingLog.Ready(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(KestrelOneShot)), string.Join(", ", endpoints));

        await app.WaitForShutdownAsync(cancellationToken);
        return run.ExitCode;
    }

    private static async Task<int> RunCheckedAsync(string[] args, OneShotHostSetup setup, CancellationToken cancellationToken)
    {
        var startTimestamp = TimeProvider.System.GetTimestamp();
        var (help, error) = CommandLineSwitches.Inspect(args);
        if (help)
        {
            try
            {
                await setup.Out.WriteAsync(CommandLineSwitches.Usage);
                await setup.Out.FlushAsync(cancellationToken);
            }
            catch (IOException)
            {
                // The reader stopped early (`--help | head -1`): reading part of a help text is normal use.
            }

            return ExitCodes.Served;
        }

        if (error is not null)
        {
            return LastWord(setup, ExitCodes.InvalidConfiguration, error);
        }

        var stdout = new QueuedLineWriter(setup.Out, StdoutQueue, dropWhenFull: false);
        var stderr = new QueuedLineWriter(setup.Error, StderrQueue, dropWhenFull: true);
        var logging = new OneLineLoggerProvider(setup.Logs ?? stderr.WriteLine, neverSummarised: [ExpectationsLog.UnmetEventId]);
        var (exitCode, failure, report) = await RunHostAsync(args, setup, stdout, logging, cancellationToken);

        // The message line must not be lost, so its queue is written out whatever stdout's reader does.
        await stdout.CompleteAsync(Timeout.InfiniteTimeSpan);
        if (stdout.Failure is { } lost && failure is null)
        {
            (exitCode, failure) = (ExitCodes.UnexpectedFailure, $"cannot write the message to stdout: {IOFailure.Reason(lost)}");
        }

        if (report?.Path is { Length: > 0 } path)
        {
            try
            {
                RunReportWriter.Write(path, RunReport.Create(exitCode, failure, report.Run, report.Certificate, TimeProvider.System, startTimestamp, TimeProvider.System.GetTimestamp()));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                (exitCode, failure) = (ExitCodes.UnexpectedFailure, $"cannot write the report to {path}: {IOFailure.Reason(ex)}");
            }
        }

        logging.Dispose();
        await stderr.CompleteAsync(StderrExitBound);
        return failure is null ? exitCode : LastWord(setup, exitCode, failure);
    }

    /// <summary>Builds and runs the host; the exit code, the failure if any, and what the report needs.</summary>
    private static async Task<(int ExitCode, string? Failure, ReportInput? Report)> RunHostAsync(
        string[] args, OneShotHostSetup setup, QueuedLineWriter stdout, ILoggerProvider logging, CancellationToken cancellationToken)
    {
        IHost app;
        try
        {
            var builder = CreateBuilder(CommandLineSwitches.Normalize(args), stdout, logging);
            setup.ConfigureBuilder?.Invoke(builder);
            app = builder.Build();
        }
        catch (Exception ex)
        {
            var (exitCode, message) = StartupFailure.Describe(ex, failedEndPoint: null);
            return (exitCode, message, null);
        }

        using (app)
        {
            try
            {
                setup.Built?.Invoke(app);
                var exitCode = await app.RunOneShotAsync(cancellationToken);
                return (exitCode, null, new ReportInput(
                    app.Services.GetRequiredService<IOptions<OneShotOptions>>().Value.ReportPath, app.Services.GetRequiredService<OneShotRun>(), app.Services.GetRequiredService<TlsEndpointSetup>().Certificate));
            }
            catch (Exception ex)
            {
                var (exitCode, message) = StartupFailure.Describe(ex, app.Services.GetRequiredService<ListenFailureRecorder>().FailedEndPoint);
                // Invalid options cannot give a run; the report then says only how it ended.
                var options = UnvalidatedOptions(app.Services);
                var run = options.UnreadableValues.Count == 0 && exitCode != ExitCodes.InvalidConfiguration ? app.Services.GetRequiredService<OneShotRun>() : null;
                return (exitCode, message, new ReportInput(options.ReportPath, run, run is null ? null : app.Services.GetRequiredService<TlsEndpointSetup>().Certificate));
            }
        }
    }

    /// <summary>The options as configured, before validation: a failed run's report still goes where it was asked to.</summary>
    private static OneShotOptions UnvalidatedOptions(IServiceProvider services)
    {
        var options = new OneShotOptions();
        foreach (var configure in services.GetServices<IConfigureOptions<OneShotOptions>>())
        {
            configure.Configure(options);
        }

        return options;
    }

    // Kestrel names every endpoint as a URL; this is raw TCP, so the scheme is noise.
    private static string ReadyEndpoint(string address) =>
        address.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0 ? address[(scheme + 3)..] : address;

    /// <summary>The one line a failed run ends with; writing it can fail too, and must not throw.</summary>
    private static int LastWord(OneShotHostSetup setup, int exitCode, string message)
    {
        try
        {
            setup.Error.WriteLine($"error: {message}");
            setup.Error.Flush();
        }
        catch (Exception)
        {
            // stderr is gone, or writing needs what the failure took (an assembly that cannot be
            // loaded without a free descriptor): the exit code is all that is left to say it with.
        }

        return exitCode;
    }

    private sealed record ReportInput(string? Path, OneShotRun? Run, ServerCertificate? Certificate);
}
