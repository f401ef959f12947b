using Helix.Cli;

return await HelixCommand.RunAsync(args, Console.Out, Console.Error, Console.IsOutputRedirected);
