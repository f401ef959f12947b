using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Helix.Testing;

/// <summary>Starting a server process of a test's own and waiting for it to listen on loopback.</summary>
public static class LoopbackProcess
{
    /// <summary>Starts the process (its output drained) and returns once its port accepts connections, or it exits, or 15 s pass.</summary>
    public static async Task<Process> StartAsync(ProcessStartInfo info, int port)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return process;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>
    /// A port free on loopback now, below the kernel's ephemeral range (32768 and up on Linux): a server
    /// killed and started again on it cannot find it taken meanwhile as the local port of some client's
    /// outgoing connection (which is what "address already in use" on a restart was).
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var port = Random.Shared.Next(20000, 32000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: a fixture service's fixed port, or another test's server
            }
        }
        throw new InvalidOperationException("no free loopback port between 20000 and 32000");
    }
}
