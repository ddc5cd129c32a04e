using KestrelOneShot.Hosting;

return await OneShotHost.RunAsync(args);
