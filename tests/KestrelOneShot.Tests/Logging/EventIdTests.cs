using System.Reflection;

using KestrelOneShot.Hosting;

using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Tests.Logging;

public sealed class EventIdTests
{
    private static readonly LoggerMessageAttribute[] Messages =
    [
        .. typeof(OneShotHost).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .SelectMany(m => m.GetCustomAttributes<LoggerMessageAttribute>()),
    ];

    [Fact]
    public void EveryLogMessageHasAnIdOfItsOwnAndAName()
    {
        Assert.NotEmpty(Messages);
        Assert.Equal(Messages.Length, Messages.Select(m => m.EventId).Distinct().Count());
        Assert.All(Messages, m => Assert.False(string.IsNullOrEmpty(m.EventName), $"event {m.EventId} has no name"));
    }
}
