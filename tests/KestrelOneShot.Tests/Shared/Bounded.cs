namespace KestrelOneShot.Tests;

/// <summary>Every await in the tests is bounded, so a broken build fails instead of hanging.</summary>
internal static class Bounded
{
    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(20);

    public static Task Within(this Task task) => task.WaitAsync(Timeout, TestContext.Current.CancellationToken);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
}
