/**
 * Package dependency direction. Arrows point one way:
 *   common <- protocol <- remoting <- {namesrv, broker, client}
 *   protocol <- store <- broker;  client <- admin <- {cli, exporter, dashboard}
 */
const allowed = {
  common: [],
  protocol: ['common'],
  remoting: ['common', 'protocol'],
  store: ['common', 'protocol'],
  namesrv: ['common', 'protocol', 'remoting'],
  broker: ['common', 'protocol', 'remoting', 'store'],
  client: ['common', 'protocol', 'remoting'],
  admin: ['common', 'protocol', 'remoting', 'client'],
  testkit: ['common', 'protocol', 'remoting', 'store', 'namesrv', 'broker', 'client', 'admin'],
  exporter: ['common', 'protocol', 'client', 'admin'],
  dashboard: ['common', 'protocol', 'client', 'admin'],
  grpc: ['common', 'protocol', 'remoting', 'store', 'broker'],
  cli: ['common', 'protocol', 'remoting', 'store', 'namesrv', 'broker', 'client', 'admin', 'exporter', 'dashboard', 'grpc'],
};

const forbidden = [
  {
    name: 'no-circular',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
  {
    name: 'src-not-from-test',
    severity: 'error',
    from: { path: '^packages/[^/]+/src/' },
    to: { path: '^packages/[^/]+/test/' },
  },
  ...Object.entries(allowed).map(([pkg, deps]) => ({
    name: `direction-${pkg}`,
    comment: `${pkg} may only depend on: ${deps.join(', ') || 'nothing'}`,
    severity: 'error',
    from: { path: `^packages/${pkg}/src/` },
    to: {
      path: '^packages/([^/]+)/',
      pathNot: [`^packages/(${[pkg, ...deps].join('|')})/`],
    },
  })),
];

module.exports = {
  forbidden,
  options: {
    includeOnly: '^packages/',
    exclude: { path: '(^|/)node_modules/|^packages/[^/]+/dist/.*[.]map$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.test.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
    },
    // Workspace packages resolve through node_modules symlinks to packages/<name>.
    preserveSymlinks: false,
  },
};
