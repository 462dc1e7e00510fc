using Build;
using Build.Host;
using Build.Server;
using Build.Services;

return new CakeHost()
    .UseContext<BuildContext>()
    .UseLifetime<BuildLifetime>()
    .UseTaskLifetime<BuildTaskLifetime>()
    .UseKilnServices()
    .RunOrServe(args);
