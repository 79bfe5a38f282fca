// node-red ships no type declarations; device/tuning/node-red.ts narrows it to the API it uses.
declare module 'node-red' {
  const RED: unknown;
  export default RED;
}
