using System.Diagnostics;

namespace KestrelOneShot.Tests;

/// <summary>A program run to its end, bounded, outside this test run's own build environment.</summary>
internal static class BoundedProcess
{
    /// <summary>Runs <paramref name="program"/>; ended by its id (with its children) if it overruns <paramref name="bound"/>.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, string directory, TimeSpan bound, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // dotnet test sets these for its own MSBuild; a build the program starts must find its own.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment.Remove("MSBuildSDKsPath");
        using var process = Process.Start(start)!;
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(bound, TestContext.Current.CancellationToken);
            return (process.ExitCode, await output + await errors);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
